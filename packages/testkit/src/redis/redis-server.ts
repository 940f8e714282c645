import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A real `redis-server` for a test file or a benchmark: on 127.0.0.1 only, on a free port, persisting nothing. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>`, with `:password@` when started with one. */
  readonly url: string
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
  /**
   * Freezes the process (SIGSTOP): connections stay open but nothing is answered, like a hung Redis.
   * `resume()` (SIGCONT) lets it go on where it was.
   */
  pause(): void
  resume(): void
  /** Stops it and removes its directory. */
  close(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Starts `redis-server` (the Debian package `.ci/run` installs) and resolves once it accepts connections. */
export async function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'comfy-balancer-redis-'))
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    '',
    ...(options.password ? ['--requirepass', options.password] : []),
  ]
  let child: ChildProcess | undefined

  const start = async (): Promise<void> => {
    const proc = spawn(process.env.REDIS_SERVER ?? 'redis-server', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000)
      const done = (error?: Error) => {
        clearTimeout(timer)
        if (error) reject(error)
        else resolve()
      }
      proc.once('error', (error) =>
        done(new Error(`cannot run redis-server (apt-get install redis-server): ${error.message}`)),
      )
      proc.once('exit', (code) => done(new Error(`redis-server exited with ${code}:\n${output}`)))
      proc.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) done()
      })
      proc.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
    })
    proc.removeAllListeners('exit')
    proc.stdout?.removeAllListeners('data').resume()
    proc.stderr?.removeAllListeners('data').resume()
  }

  const stop = async (): Promise<void> => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      // A paused (SIGSTOP) server would not see SIGTERM until continued.
      proc.kill('SIGCONT')
      proc.kill('SIGTERM')
    })
  }

  await start()
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : ''
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    stop,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async close() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
