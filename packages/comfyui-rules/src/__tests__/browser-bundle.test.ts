import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

describe('@comfy-balancer/comfyui-rules in a browser bundle', () => {
  it('bundles for the browser from source with nothing but its own files (no Node built-in, no dependency)', async () => {
    const result = await build({
      stdin: {
        contents: "export * from '../index.ts'",
        resolveDir: new URL('.', import.meta.url).pathname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs).filter((input) => input !== '<stdin>')
    expect(inputs.length).toBeGreaterThan(1)
    // Paths are relative to the working directory, the package's: `src/python.ts` and the like.
    expect(inputs.filter((input) => !/^src\/[\w-]+\.ts$/.test(input))).toEqual([])
    expect(inputs).toContain('src/validate-prompt.ts')
  })
})
