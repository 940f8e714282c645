import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

/**
 * Bundles an entry for the browser, from source, the way an app's bundler would: every import
 * followed (lazy `import()` too), nothing external. Resolves the inputs it pulled in, or rejects
 * with esbuild's errors.
 */
async function browserBundle(code: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: code, resolveDir: new URL('.', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    conditions: ['@comfy-balancer/source'],
  })
  return Object.keys(result.metafile.inputs)
}

describe('the comfy-balancer main entry in a browser bundle', () => {
  it('bundles for the browser without any Node built-in, not even a lazy one', async () => {
    const inputs = await browserBundle("export * from '../index.ts'")
    expect(inputs.some((input) => input.includes('adapters-config/src/sql'))).toBe(true)
    expect(inputs.filter((input) => input.startsWith('node:') || input.includes('file-source'))).toEqual([])
  })

  it('while the file-reading jsonConfig of @comfy-balancer/config/node does not (so the check can fail)', async () => {
    const error = await browserBundle("export { jsonConfig } from '@comfy-balancer/config/node'").then(
      () => undefined,
      (reason: unknown) => reason as Error,
    )
    expect(error?.message).toMatch(/Could not resolve "node:fs/)
  })
})
