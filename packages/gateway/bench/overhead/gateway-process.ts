import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
// esbuild is the repo's bundler (tsup's, and comfy-balancer's bench:instances'), hoisted to the root.
import { build } from 'esbuild'
import {
  type GatewayCommand,
  type GatewayMessage,
  type GatewaySetup,
  MESSAGE_PREFIX,
  type MemoryFigures,
} from './protocol.js'

/** Where the bundle goes: inside the package, so its external imports resolve from node_modules. */
const OUT_DIR = new URL('../../node_modules/.cache/gateway-bench/', import.meta.url)

/** The bundled worker and where each workspace source file starts in it (for CPU profiles). */
export interface GatewayBundle {
  readonly file: string
  /** 0-based line → workspace source path, sorted by line. */
  readonly modules: ReadonlyArray<readonly [line: number, source: string]>
}

/**
 * Bundles worker.ts with the workspace packages it uses, from their TypeScript sources (the
 * `@comfy-balancer/source` condition): Node 20 cannot run TypeScript. Other packages (fastify, ws,
 * undici, …) stay external and load from node_modules, so a CPU profile names them by path.
 */
export async function buildGatewayWorker(): Promise<GatewayBundle> {
  await mkdir(OUT_DIR, { recursive: true })
  const file = fileURLToPath(new URL('worker.mjs', OUT_DIR))
  await build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@comfy-balancer/source'],
    logLevel: 'error',
    plugins: [
      {
        name: 'external-dependencies',
        setup(bundler) {
          bundler.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@comfy-balancer/') ? undefined : { path: args.path, external: true },
          )
        },
      },
    ],
  })
  // esbuild marks each module's start with a `// path/to/file.ts` comment line.
  const modules: Array<readonly [number, string]> = []
  ;(await readFile(file, 'utf8')).split('\n').forEach((line, index) => {
    const marker = /^\/\/ (\S+\.ts)$/.exec(line)
    if (marker) modules.push([index, marker[1]!])
  })
  return { file, modules }
}

/** A gateway process started from the bundle, over `setup.urls`. */
export class GatewayProcess {
  readonly #child: ChildProcess
  readonly #queue: GatewayMessage[] = []
  readonly #waiting: Array<(message: GatewayMessage) => void> = []
  url = ''

  private constructor(child: ChildProcess) {
    this.#child = child
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith(MESSAGE_PREFIX)) this.#deliver(JSON.parse(line.slice(MESSAGE_PREFIX.length)))
      else process.stdout.write(`[gateway] ${line}\n`)
    })
    child.once('exit', (code) =>
      this.#deliver({ type: 'failed', error: `gateway process exited with ${code}` }),
    )
  }

  static async start(bundle: GatewayBundle, setup: GatewaySetup): Promise<GatewayProcess> {
    const child = spawn(process.execPath, ['--expose-gc', bundle.file], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const gateway = new GatewayProcess(child)
    child.stdin!.write(`${JSON.stringify(setup)}\n`)
    gateway.url = (await gateway.#expect('ready')).url
    return gateway
  }

  get pid(): number {
    return this.#child.pid!
  }

  async memory(): Promise<MemoryFigures> {
    this.#send({ type: 'memory' })
    return this.#expect('memory')
  }

  /** Writes a heap snapshot of the gateway process (after a full collection, as V8 takes it). */
  async heapSnapshot(file: string): Promise<string> {
    this.#send({ type: 'heap-snapshot', file })
    return (await this.#expect('heap-snapshot')).file
  }

  async profileStart(): Promise<void> {
    this.#send({ type: 'profile-start' })
    await this.#expect('profile-started')
  }

  async profileStop(file: string): Promise<string> {
    this.#send({ type: 'profile-stop', file })
    return (await this.#expect('profile')).file
  }

  /** Closes the gateway (and its client sockets) and ends the process; resolves with its log line count. */
  async stop(): Promise<number> {
    if (this.#child.exitCode !== null) return 0
    this.#send({ type: 'stop' })
    const { logLines } = await this.#expect('stopped')
    await new Promise<void>((resolve) => {
      if (this.#child.exitCode !== null) resolve()
      else this.#child.once('exit', () => resolve())
    })
    return logLines
  }

  #send(command: GatewayCommand): void {
    this.#child.stdin!.write(`${JSON.stringify(command)}\n`)
  }

  #deliver(message: GatewayMessage): void {
    const resolve = this.#waiting.shift()
    if (resolve) resolve(message)
    else this.#queue.push(message)
  }

  async #expect<T extends GatewayMessage['type']>(type: T): Promise<Extract<GatewayMessage, { type: T }>> {
    const queued = this.#queue.shift()
    const message = queued ?? (await new Promise<GatewayMessage>((resolve) => this.#waiting.push(resolve)))
    if (message.type === 'failed') throw new Error(`the gateway process failed: ${message.error}`)
    if (message.type !== type)
      throw new Error(`expected ${type} from the gateway process, got ${message.type}`)
    return message as Extract<GatewayMessage, { type: T }>
  }
}
