#!/usr/bin/env node
// Checks two promises of the code's shape, for anyone to run (`npm run check:structure`):
//  1. no source file of a package under packages/ (published, or testkit, to be published) is longer
//     than 300 lines, tests and benchmarks aside;
//  2. no import circle between source files, type-only imports included, across packages too
//     (a workspace import resolves to that package's source entry through its `@comfy-balancer/source`
//     export condition, the same way typecheck and the tests resolve it).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MAX_LINES = 300
const SOURCE = /\.(ts|tsx|mts|cts)$/
const NOT_SHIPPED = /(^|\/)(__tests__|__bench__)(\/|$)|\.test\.[cm]?tsx?$|\.test-d\.ts$|\.bench\.ts$/

function workspaces() {
  const found = []
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group)
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir)) {
      const manifest = join(dir, name, 'package.json')
      if (existsSync(manifest))
        found.push({ dir: join(dir, name), group, json: JSON.parse(readFileSync(manifest, 'utf8')) })
    }
  }
  return found
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

const packages = workspaces()
/** `@comfy-balancer/core/internal` → absolute source file. */
const entries = new Map()
for (const pkg of packages) {
  for (const [subpath, target] of Object.entries(pkg.json.exports ?? {})) {
    const source = typeof target === 'object' ? target['@comfy-balancer/source'] : undefined
    if (typeof source !== 'string') continue
    entries.set(pkg.json.name + subpath.slice(1), resolve(pkg.dir, source))
  }
}

function resolveImport(from, specifier) {
  if (specifier.startsWith('.')) {
    const base = resolve(dirname(from), specifier)
    const stem = base.replace(/\.(m|c)?js$/, '')
    for (const candidate of [
      base,
      `${stem}.ts`,
      `${stem}.tsx`,
      join(base, 'index.ts'),
      join(base, 'index.tsx'),
    ]) {
      if (SOURCE.test(candidate) && existsSync(candidate)) return candidate
    }
    return undefined
  }
  return entries.get(specifier)
}

const problems = []
const graph = new Map()
for (const pkg of packages) {
  const src = join(pkg.dir, 'src')
  if (!existsSync(src)) continue
  for (const file of walk(src)) {
    const rel = relative(src, file)
    if (NOT_SHIPPED.test(rel)) continue
    const text = readFileSync(file, 'utf8')
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
    if (pkg.group === 'packages' && lines > MAX_LINES) {
      problems.push(`${relative(root, file)}: ${lines} lines (at most ${MAX_LINES} in a package's src/)`)
    }
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName)
    graph.set(
      file,
      imports.map((specifier) => resolveImport(file, specifier)).filter((target) => target !== undefined),
    )
  }
}

// Tarjan's strongly connected components: any component of more than one file is a circle.
let index = 0
const stack = []
const meta = new Map()
function connect(file) {
  const node = { index, low: index, onStack: true }
  index++
  meta.set(file, node)
  stack.push(file)
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue
    const seen = meta.get(next)
    if (!seen) {
      connect(next)
      node.low = Math.min(node.low, meta.get(next).low)
    } else if (seen.onStack) node.low = Math.min(node.low, seen.index)
  }
  if (node.low !== node.index) return
  const component = []
  let member
  do {
    member = stack.pop()
    meta.get(member).onStack = false
    component.push(member)
  } while (member !== file)
  const selfImport = (graph.get(file) ?? []).includes(file)
  if (component.length > 1 || selfImport) {
    problems.push(`import circle: ${component.map((f) => relative(root, f)).join(' ⇄ ')}`)
  }
}
for (const file of graph.keys()) if (!meta.has(file)) connect(file)

if (problems.length > 0) {
  console.error(`check-structure: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`check-structure: ${graph.size} source files, none over ${MAX_LINES} lines, no import circle`)
