import { createHook } from 'node:async_hooks'
import {
  recordEvents,
  recordingLogger,
  seededUuid,
  TEST_CREDENTIALS,
  withTestCredentials,
} from '@comfy-balancer/testkit'
import { startSimCluster } from '@comfy-balancer/testkit/sim'
import { describe, expect, it } from 'vitest'
import { createLoadBalancer } from '../index.js'
import { createNodeTransport } from '../node.js'
import { work } from './harness.js'

/** Active handles and requests by type (`TCPSocketWrap`, `Timeout`, …), as Node reports them. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1)
  return counts
}

/** What `now` has beyond `base`, by type (negative counts ignored). */
function beyond(base: Map<string, number>, now: Map<string, number>): Record<string, number> {
  const extra: Record<string, number> = {}
  for (const [type, count] of now) {
    const more = count - (base.get(type) ?? 0)
    if (more > 0) extra[type] = more
  }
  return extra
}

/** Resolves after one turn of the event loop (no timer of its own left behind). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Turns the event loop (at most `maxTurns` times) until nothing is left beyond `base`: sockets
 * closed by `close()` are released by libuv a turn or two later.
 */
async function settleTo(base: Map<string, number>, maxTurns = 200): Promise<Record<string, number>> {
  let extra = beyond(base, activeResources())
  for (let n = 0; n < maxTurns && Object.keys(extra).length > 0; n++) {
    await turn()
    extra = beyond(base, activeResources())
  }
  return extra
}

/** A Timeout as async_hooks hands it over: Node keeps the callback on `_onTimeout`. */
type TimeoutResource = { _onTimeout?: unknown }

/**
 * The callbacks of timers that belong to the process, not to any balancer: undici's shared timer
 * wheel (one unref'd tick for every undici client) and Node's HTTP `Date` header cache. Found by
 * running one request through the same transport and a simulated server and keeping the callback
 * of every timer that started meanwhile, whether it is still scheduled or not (the `Date` cache
 * lives until the next full second: a few ms, sometimes). Only module-level functions can match a
 * later timer's callback, closures never do, so nothing a balancer makes can be ignored by this.
 * Matched by callback identity, so neither undici's file layout nor Node's internals are named here.
 */
async function processWideTimerCallbacks(): Promise<Set<unknown>> {
  const callbacks = new Set<unknown>()
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      const callback = (resource as TimeoutResource)._onTimeout
      if (type === 'Timeout' && typeof callback === 'function') callbacks.add(callback)
    },
  })
  hook.enable()
  const cluster = await startSimCluster([{ speed: 1 }], { timeScale: 0.01 })
  const transport = createNodeTransport({ connections: 1 })
  await (await transport.fetch(`${cluster.urls[0]}/system_stats`)).text()
  await transport.close()
  await cluster.close()
  await turn()
  hook.disable()
  return callbacks
}

/** The async resources of these types created since `start()` and not destroyed yet. */
function trackCreated(types: readonly string[], ignoredTimerCallbacks: ReadonlySet<unknown>) {
  const live = new Map<number, string>()
  const created = new Map<string, number>()
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (!types.includes(type)) return
      created.set(type, (created.get(type) ?? 0) + 1)
      if (type === 'Timeout' && ignoredTimerCallbacks.has((resource as TimeoutResource)._onTimeout)) return
      live.set(id, `${type}${process.env.DEBUG_HANDLES ? (new Error().stack ?? '') : ''}`)
    },
    destroy(id) {
      live.delete(id)
    },
  })
  return {
    start: () => hook.enable(),
    stop: () => hook.disable(),
    created: () => Object.fromEntries(created),
    live: () => {
      const counts: Record<string, number> = {}
      for (const type of live.values()) counts[type] = (counts[type] ?? 0) + 1
      return counts
    },
  }
}

describe('no open handles after dispose()', () => {
  it('a balancer on the Node transport, probing in the background over WebSockets, leaves nothing behind', async () => {
    const processWide = await processWideTimerCallbacks()
    const tracked = trackCreated(['TCPWRAP', 'TCPSERVERWRAP', 'Timeout'], processWide)
    await turn()
    const baseline = activeResources()
    tracked.start()

    const cluster = await startSimCluster([{ speed: 1 }, { speed: 2 }, { speed: 4 }], { timeScale: 0.01 })
    const transport = createNodeTransport({ connections: 4 })
    const logger = recordingLogger('no-open-handles')
    const balancer = createLoadBalancer({
      config: {
        servers: cluster.urls.map((url, i) =>
          // A password in the URL for one server, an API key header for another: both must work.
          i === 0 ? withTestCredentials(url) : { url, headers: { 'X-Api-Key': TEST_CREDENTIALS.apiKey } },
        ),
        probe: { queueMode: 'ws', intervalMs: 2_000, cacheMs: 2_000 },
        jobs: { pollIntervalMs: 200 },
      },
      clock: cluster.clock,
      fetch: transport.fetch,
      webSocket: transport.webSocket,
      logger,
      createPromptId: seededUuid(77),
    })
    const events = recordEvents(balancer as unknown as Parameters<typeof recordEvents>[0])
    balancer.start()
    await balancer.refresh()
    const results = await Promise.all(Array.from({ length: 6 }, () => balancer.run(work(1_000))))
    // Background probing ran (a few intervals) while the sockets stayed open.
    await cluster.clock.sleep!(5_000)

    expect(results.map((r) => r.outputs['1'] !== undefined)).toEqual(Array(6).fill(true))
    const during = activeResources()
    expect(during.get('TCPServerWrap') ?? 0).toBeGreaterThanOrEqual(3 + (baseline.get('TCPServerWrap') ?? 0))
    expect(cluster.sims.map((sim) => sim.wsClients)).toEqual([1, 1, 1])
    expect(events.count).toBeGreaterThan(6)
    expect(logger.lines.some((line) => line.startsWith('debug'))).toBe(true)

    balancer.dispose()
    await transport.close()
    await cluster.close()

    const left = await settleTo(baseline)
    tracked.stop()
    expect(left).toEqual({})
    // Every socket, server and timer created during the test was destroyed, not just unreferenced.
    expect(tracked.created()).toMatchObject({ TCPWRAP: expect.any(Number), TCPSERVERWRAP: 3 })
    expect(tracked.live()).toEqual({})
  })
})
