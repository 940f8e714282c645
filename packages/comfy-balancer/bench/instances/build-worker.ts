import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/**
 * Bundles worker.ts and the workspace packages it uses (from their TypeScript sources, through the
 * `@comfy-balancer/source` condition) into one ES module that plain `node` runs: Node 20 cannot run
 * TypeScript. Dependencies (undici, ioredis) are bundled too; CommonJS ones get a `require`.
 */
export async function buildWorker(): Promise<{ readonly file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'comfy-balancer-bench-'))
  const file = join(dir, 'worker.mjs')
  await build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@comfy-balancer/source'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'error',
  })
  return { file, remove: () => rm(dir, { recursive: true, force: true }) }
}
