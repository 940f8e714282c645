import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { createInterface } from 'node:readline'
import { writeHeapSnapshot } from 'node:v8'
import { createLoadBalancer, type LateBindingOptions, silentLogger } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { createGateway } from '../../src/index.js'
import { type GatewayCommand, type GatewayMessage, type GatewaySetup, MESSAGE_PREFIX } from './protocol.js'

/**
 * One gateway in its own process, set up as the CLI does it (`createNodeTransport()`, every balancer
 * default unless the bench gives `dispatch`, background probing started, 127.0.0.1 on a free port),
 * so its heap, resident set and CPU profile are its own. Its one log line per job is counted, not
 * printed. Driven by JSON lines on stdin (see protocol.ts).
 */
const send = (message: GatewayMessage) =>
  process.stdout.write(`${MESSAGE_PREFIX}${JSON.stringify(message)}\n`)

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  const first = await lines.next()
  const setup = JSON.parse(String(first.value)) as GatewaySetup
  const transport = createNodeTransport()
  const balancer = createLoadBalancer({
    config: { servers: [...setup.urls] },
    fetch: transport.fetch,
    webSocket: transport.webSocket,
    logger: silentLogger,
    ...(setup.dispatch === undefined ? {} : { dispatch: setup.dispatch as LateBindingOptions }),
  })
  let logLines = 0
  const gateway = createGateway({ balancer, host: '127.0.0.1', port: 0, log: () => void logLines++ })
  balancer.start()
  const url = await gateway.listen()
  await balancer.refresh()
  // Validation reads the fleet's /object_info: once, as a gateway that has been up a while has.
  await fetch(`${url}/object_info`).then((response) => response.arrayBuffer())
  send({ type: 'ready', url })

  const session = new Session()
  for (;;) {
    const next = await lines.next()
    if (next.done === true) break
    const command = JSON.parse(String(next.value)) as GatewayCommand
    if (command.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc
      if (gc !== undefined) {
        gc()
        await new Promise((resolve) => setImmediate(resolve))
        gc()
      }
      const usage = process.memoryUsage()
      send({
        type: 'memory',
        heapUsed: usage.heapUsed,
        heapTotal: usage.heapTotal,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        rss: usage.rss,
        unfinished: gateway.unfinished,
        collected: gc !== undefined,
      })
    } else if (command.type === 'heap-snapshot') {
      send({ type: 'heap-snapshot', file: writeHeapSnapshot(command.file) })
    } else if (command.type === 'profile-start') {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 250 })
      await session.post('Profiler.start')
      send({ type: 'profile-started' })
    } else if (command.type === 'profile-stop') {
      await stopProfile(session, command.file)
      send({ type: 'profile', file: command.file })
    } else {
      await gateway.close()
      balancer.dispose()
      await transport.close()
      send({ type: 'stopped', logLines })
      break
    }
  }
  process.exit(0)
}

/** Writes the profile out of the loop's frame, so a later heap snapshot does not count it. */
async function stopProfile(session: Session, file: string): Promise<void> {
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  writeFileSync(file, JSON.stringify(profile))
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  process.exit(1)
})
