import { ComfyBalancerError } from '@comfy-balancer/core'
import { createTestClock } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { FleetInfoUnavailableError } from '../errors'
import { FleetInfo } from '../fleet-info'
import { errorLog, FLEET_SPECS, manualClock, serversOf, useFleet } from './fleet-sims'

/** Servers that die, hang, lie or answer too much, over real HTTP. */
const startFleet = useFleet()

describe('FleetInfo when servers fail', () => {
  it('skips a dead server, reports it, and serves the others’ union', async () => {
    const cluster = await startFleet()
    await cluster.sim('gpu-b').down()
    const log = errorLog()
    const fleet = new FleetInfo({ servers: serversOf(cluster), onError: log.onError })

    const info = await fleet.objectInfo()
    expect(info.FaceDetailer).toBeUndefined()
    expect(info.FancySampler).toBeDefined()
    expect(await fleet.modelFiles('ultralytics')).toBeUndefined()
    expect(log.calls.map(({ serverId, route, error }) => [serverId, route, error.kind, error.code])).toEqual([
      ['gpu-b', '/object_info', 'network', 'FLEET_REQUEST_FAILED'],
      ['gpu-b', '/models/ultralytics', 'network', 'FLEET_REQUEST_FAILED'],
    ])
    expect(log.calls[0]!.error.message).toMatch(
      /^gpu-b: http:\/\/127\.0\.0\.1:\d+\/object_info: .*ECONNREFUSED/,
    )
  })

  it('skips servers that answer 500 or JSON of the wrong shape', async () => {
    const cluster = await startFleet()
    cluster.sim('gpu-a').setFault({ kind: 'http500', endpoints: ['catalog'] })
    cluster.sim('gpu-b').setFault({ kind: 'wrongShape', endpoints: ['catalog'] })
    const log = errorLog()
    const fleet = new FleetInfo({ servers: serversOf(cluster), onError: log.onError })
    const error = await fleet.embeddings().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(FleetInfoUnavailableError)
    expect(log.calls.map(({ error }) => [error.kind, error.status])).toEqual([
      ['http', 500],
      ['malformed', 200],
    ])
  })

  it('throws a typed error naming the route and each failure when no server ever answered', async () => {
    const cluster = await startFleet()
    await Promise.all(cluster.sims.map((sim) => sim.down()))
    const fleet = new FleetInfo({ servers: serversOf(cluster) })
    const error = await fleet.systemStats().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(FleetInfoUnavailableError)
    expect(ComfyBalancerError.isInstance(error)).toBe(true)
    const unavailable = error as FleetInfoUnavailableError
    expect(unavailable.code).toBe('FLEET_INFO_UNAVAILABLE')
    expect(unavailable.route).toBe('/system_stats')
    expect(unavailable.failures.map((failure) => failure.serverId)).toEqual(['gpu-a', 'gpu-b'])
    expect(unavailable.message).toMatch(/^No ComfyUI server answered GET \/system_stats/)
    expect(unavailable.message).toContain('gpu-a: http://127.0.0.1:')
    expect(unavailable.message).toContain('gpu-b: http://127.0.0.1:')

    const none = await new FleetInfo({ servers: [] }).features().catch((caught: unknown) => caught)
    expect((none as Error).message).toContain('no ComfyUI server is configured')
  })

  it('keeps serving the last good answer when every server fails', async () => {
    const cluster = await startFleet()
    const clock = manualClock()
    const fleet = new FleetInfo({ servers: serversOf(cluster), clock, ttlMs: 30_000 })
    const folders = await fleet.modelFolders()
    const stats = await fleet.systemStats()
    await Promise.all(cluster.sims.map((sim) => sim.down()))
    clock.advance(30_000)
    expect(await fleet.modelFolders()).toBe(folders)
    expect(await fleet.systemStats()).toBe(stats)

    // One server back: its own answer replaces the old union.
    await cluster.sim('gpu-a').up()
    clock.advance(30_000)
    expect(await fleet.modelFolders()).not.toContain('ultralytics')
  })

  it('skips a server past the byte limit of /object_info', async () => {
    const many = Array.from({ length: 2_000 }, (_, index) => `checkpoint-${index}.safetensors`)
    const specs = [FLEET_SPECS[0]!, { ...FLEET_SPECS[1]!, catalog: { models: { checkpoints: many } } }]
    const cluster = await startFleet(specs)
    const log = errorLog()
    const fleet = new FleetInfo({
      servers: serversOf(cluster),
      maxObjectInfoBytes: 20_000,
      onError: log.onError,
    })
    const info = await fleet.objectInfo()
    expect(info.FancySampler).toBeDefined()
    expect(log.calls.map(({ serverId, error }) => [serverId, error.kind])).toEqual([['gpu-b', 'too-large']])
    expect(log.calls[0]!.error.message).toContain('larger than 20000 bytes')
    // The small routes have their own limit: gpu-b's file list is fine there.
    expect(await fleet.modelFiles('checkpoints')).toHaveLength(2 + 2_000)
  })

  it('times a hung server out on the injected clock and answers with the others', async () => {
    const cluster = await startFleet()
    const hung = cluster.sim('gpu-b')
    hung.setFault({ kind: 'hang', endpoints: ['catalog'] })
    const clock = createTestClock()
    const log = errorLog()
    const fleet = new FleetInfo({
      servers: serversOf(cluster),
      clock,
      timeoutMs: 2_000,
      onError: log.onError,
    })
    const asked = hung.requestCounts.catalog
    const pending = fleet.extensions()
    while (hung.requestCounts.catalog === asked) await clock.flush()
    await clock.advance(1_999)
    expect(log.calls).toEqual([])
    await clock.advance(1)
    expect(await pending).toEqual(['/extensions/fancy/fancy.js'])
    expect(log.calls.map(({ error }) => error.message)).toEqual([
      expect.stringMatching(/^gpu-b: .*\/extensions: no full answer within 2000 ms$/),
    ])
  })
})

describe('FleetInfo caching on the injected clock', () => {
  it('reads a small route again only after its TTL, and a failed server after failureTtlMs', async () => {
    const cluster = await startFleet()
    const clock = manualClock()
    const fleet = new FleetInfo({ servers: serversOf(cluster), clock, ttlMs: 30_000, failureTtlMs: 5_000 })
    const [a, b] = cluster.sims
    const counts = () => [a!.requestCounts.catalog, b!.requestCounts.catalog]
    const start = counts()
    await fleet.embeddings()
    clock.advance(29_999)
    await fleet.embeddings()
    expect(counts()).toEqual([start[0]! + 1, start[1]! + 1])
    clock.advance(1)
    await fleet.embeddings()
    expect(counts()).toEqual([start[0]! + 2, start[1]! + 2])

    await b!.down()
    clock.advance(30_000)
    expect(await fleet.embeddings()).toEqual(['easynegative'])
    await b!.up()
    clock.advance(4_999)
    expect(await fleet.embeddings()).toEqual(['easynegative'])
    clock.advance(1)
    expect(await fleet.embeddings()).toEqual(['easynegative', 'bad_hands'])
  })

  it('serves /object_info while it refreshes in the background, and waits after invalidate', async () => {
    const cluster = await startFleet()
    const clock = manualClock()
    const log = errorLog()
    const fleet = new FleetInfo({
      servers: serversOf(cluster),
      clock,
      objectInfoTtlMs: 300_000,
      onError: log.onError,
    })
    const b = cluster.sim('gpu-b')
    const first = await fleet.objectInfo()
    expect(first.FaceDetailer).toBeDefined()

    // Expired: the old answer comes back at once; the background read finds gpu-b gone.
    await b.down()
    clock.advance(300_000)
    const reported = log.next()
    expect(await fleet.objectInfo()).toBe(first)
    await reported
    expect(log.calls.map(({ serverId, route }) => [serverId, route])).toEqual([['gpu-b', '/object_info']])
    const withoutB = await fleet.objectInfo()
    expect(withoutB.FaceDetailer).toBeUndefined()

    // invalidate starts a read at once, and callers wait for it instead of the old answer.
    await b.up()
    const asked = b.requestCounts.catalog
    fleet.invalidate('gpu-b')
    expect(b.requestCounts.catalog).toBe(asked)
    const fresh = await fleet.objectInfo()
    expect(fresh.FaceDetailer).toBeDefined()
    expect(b.requestCounts.catalog).toBe(asked + 1)
  })
})
