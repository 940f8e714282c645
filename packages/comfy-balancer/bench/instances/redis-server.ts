import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

/** A `redis-server` for the benchmark: 127.0.0.1, a free port, no persistence. */
export interface BenchRedis {
  readonly url: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

/** Starts `redis-server` (`REDIS_SERVER` overrides the binary) and resolves once it accepts connections. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child: ChildProcess = spawn(process.env.REDIS_SERVER ?? 'redis-server', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000)
    const done = (error?: Error) => {
      clearTimeout(timer)
      if (error) reject(error)
      else resolve()
    }
    child.once('error', (error) => done(new Error(`cannot run redis-server: ${error.message}`)))
    child.once('exit', (code) => done(new Error(`redis-server exited with ${code}:\n${output}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) done()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
  })
  child.removeAllListeners('exit')
  child.stdout?.removeAllListeners('data').resume()
  child.stderr?.removeAllListeners('data').resume()
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
    },
  }
}
