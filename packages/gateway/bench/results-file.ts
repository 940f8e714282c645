import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
// comfy-balancer's bench helpers are not exported from any package: imported by path, not copied.
import { biomeJson } from '../../comfy-balancer/bench/biome-json.js'

const startedAt = new Date().toISOString()
const loadAtStart = loadavg().map((load) => round(load, 2))

/**
 * Writes `bench/results/<name>.json` as Biome formats JSON (so a run leaves the tree lint-clean),
 * with the machine: cores, Node, and the load average when the file started and ended (other work
 * on a two-core machine moves every timing).
 */
export function writeResults(name: string, value: Record<string, unknown>): void {
  const dir = new URL('./results/', import.meta.url)
  mkdirSync(dir, { recursive: true })
  const machine = {
    cores: availableParallelism(),
    node: process.version,
    startedAt,
    endedAt: new Date().toISOString(),
    loadAverage1m5m15m: { atStart: loadAtStart, atEnd: loadavg().map((load) => round(load, 2)) },
  }
  writeFileSync(new URL(`${name}.json`, dir), biomeJson({ machine, ...value }))
}

/** A Markdown table. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const align = head.map((_, i) => (i === 0 ? '---' : '---:'))
  return [head, align, ...rows].map((cells) => `| ${cells.map(String).join(' | ')} |`).join('\n')
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
