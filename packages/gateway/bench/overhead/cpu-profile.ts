import { readFileSync } from 'node:fs'
import type { GatewayBundle } from './gateway-process.js'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { functionName: string; url: string; lineNumber: number }
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Where a profile's time went: by part (package or source folder) and by function, self time. */
export interface ProfileSummary {
  /** Wall ms the profile covers, and the share the process was busy (not idle). */
  readonly totalMs: number
  readonly busyShare: number
  /** Self time by part, as shares of busy time, largest first. */
  readonly parts: ReadonlyArray<{ readonly part: string; readonly share: number }>
  /** The functions with the most self time, as shares of busy time. */
  readonly functions: ReadonlyArray<{ readonly name: string; readonly where: string; readonly share: number }>
}

/**
 * Reads a `.cpuprofile` of the bundled gateway process: time in the bundle is attributed to the
 * workspace source file it came from (esbuild's module markers), time in node_modules to its package.
 */
export function summarizeProfile(file: string, bundle: GatewayBundle, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  // The profiler's own stop (`session.post` in node:inspector) is not the gateway's work.
  const skipped = new Set<number>()
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const skip = (id: number) => {
    skipped.add(id)
    for (const child of byId.get(id)?.children ?? []) skip(child)
  }
  for (const node of profile.nodes) if (node.callFrame.url === 'node:inspector') skip(node.id)
  const byPart = new Map<string, number>()
  const byFunction = new Map<string, { name: string; where: string; us: number }>()
  let total = 0
  let idle = 0
  for (const node of profile.nodes) {
    if (skipped.has(node.id)) continue
    const us = self.get(node.id) ?? 0
    total += us
    if (us === 0) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') {
      idle += us
      continue
    }
    const where = locate(url, lineNumber, bundle)
    const part = partOf(functionName, url, where)
    byPart.set(part, (byPart.get(part) ?? 0) + us)
    const name = functionName === '' ? '(anonymous)' : functionName
    const key = `${name} ${where}`
    const entry = byFunction.get(key) ?? { name, where, us: 0 }
    entry.us += us
    byFunction.set(key, entry)
  }
  const busy = Math.max(1, total - idle)
  return {
    totalMs: Math.round(total / 1000),
    busyShare: Math.round((1000 * busy) / Math.max(1, total)) / 1000,
    parts: [...byPart]
      .sort((a, b) => b[1] - a[1])
      .map(([part, us]) => ({ part, share: Math.round((1000 * us) / busy) / 1000 })),
    functions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ name, where, us }) => ({ name, where, share: Math.round((1000 * us) / busy) / 1000 })),
  }
}

function locate(url: string, line: number, bundle: GatewayBundle): string {
  if (url === '') return ''
  if (url.endsWith(bundle.file) || url === `file://${bundle.file}`) {
    let source = 'worker bundle'
    for (const [start, path] of bundle.modules) {
      if (start > line) break
      source = path
    }
    return `${source.replace(/^(\.\.\/)+/, '')}`
  }
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) return `${url.slice(modules + '/node_modules/'.length)}:${line + 1}`
  return `${url}:${line + 1}`
}

function partOf(functionName: string, url: string, where: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'native (syscalls, V8 builtins)'
  if (url.startsWith('node:')) return 'node internals'
  const workspace = /(?:^|\/)(core|gateway|comfyui-rules|config|testkit)\/src\//.exec(where)
  if (workspace) return `@comfy-balancer/${workspace[1]}`
  if (/^src\//.test(where)) return '@comfy-balancer/gateway'
  if (url.includes('/node_modules/')) {
    const parts = where.split('/')
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  return where
}
