import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sources(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

describe('browser safety of the published code', () => {
  const files = sources(root).map((path) => ({
    path: relative(root, path),
    text: readFileSync(path, 'utf8'),
  }))

  it('imports no Node built-in statically (they load lazily, and only for file paths)', () => {
    const offenders = files.filter(({ text }) => /^\s*(import|export)[^;]*from\s+['"]node:/m.test(text))
    expect(offenders.map((file) => file.path)).toEqual([])
    const lazy = files.filter(({ text }) => /import\([^)]*['"]node:/.test(text)).map((file) => file.path)
    expect(lazy).toEqual([join('json', 'file-source.ts')])
  })

  it('reaches the file source only from the /node entry: the others never load node:fs', () => {
    const byPath = new Map(files.map((file) => [file.path, file.text]))
    // Value imports and re-exports only: `import type` is erased from the bundle.
    const imports = (path: string) =>
      [
        ...(byPath.get(path) ?? '').matchAll(/^\s*(?:import|export)(?!\s+type\b)[^;]*?from\s+'(\.[^']+)'/gm),
      ].map(([, spec]) => join(dirname(path), spec!.replace(/\.js$/, '.ts')))
    const reachable = (entry: string) => {
      const seen = new Set<string>()
      const visit = (path: string) => {
        if (seen.has(path)) return
        seen.add(path)
        for (const next of imports(path)) visit(next)
      }
      visit(entry)
      return seen
    }
    const fileSource = join('json', 'file-source.ts')
    for (const entry of [
      'index.ts',
      join('sql', 'index.ts'),
      join('env', 'index.ts'),
      join('json', 'index.ts'),
    ])
      expect([...reachable(entry)], entry).not.toContain(fileSource)
    expect([...reachable(join('node', 'index.ts'))]).toContain(fileSource)
  })

  it('refers to process only through globalThis, and only when no env was passed', () => {
    // Code only: comments and string literals (error hints mention process.cwd()) are dropped first.
    const code = (text: string) =>
      text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''")
    const users = files.filter(({ text }) => /\bprocess\b/.test(code(text)))
    expect(users.map((file) => file.path)).toEqual([join('env', 'env-config.ts')])
    expect(users[0]?.text).toContain('(globalThis as { process?: { env?: EnvRecord } }).process?.env')
  })
})
