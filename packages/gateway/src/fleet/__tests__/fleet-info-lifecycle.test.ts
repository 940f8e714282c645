import { createTestClock } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { FleetInfoUnavailableError } from '../errors'
import { FleetInfo } from '../fleet-info'
import { errorLog, serversOf, useFleet } from './fleet-sims'

/** Options, closing, and callers that misbehave. */
const startFleet = useFleet()

describe('FleetInfo lifecycle', () => {
  it('close() ends a hung read at once, without reporting it as the server’s failure', async () => {
    const cluster = await startFleet()
    const hung = cluster.sim('gpu-b')
    hung.setFault({ kind: 'hang', endpoints: ['catalog'] })
    const clock = createTestClock()
    const log = errorLog()
    const fleet = new FleetInfo({ servers: serversOf(cluster), clock, onError: log.onError })
    const asked = hung.requestCounts.catalog
    const pending = fleet.objectInfo()
    while (hung.requestCounts.catalog === asked) await clock.flush()
    fleet.close()
    // gpu-a had answered: its classes come back; gpu-b's read ended as `aborted`.
    expect((await pending).FancySampler).toBeDefined()
    expect(log.calls).toEqual([])
    expect(clock.pendingTimers()).toBe(0)
    const after = await fleet.features().catch((caught: unknown) => caught)
    expect(after).toBeInstanceOf(FleetInfoUnavailableError)
    expect((after as FleetInfoUnavailableError).failures.map((failure) => failure.kind)).toEqual([
      'aborted',
      'aborted',
    ])
  })

  it('survives an onError that throws, and a server whose URL does not parse', async () => {
    const cluster = await startFleet()
    const fleet = new FleetInfo({
      servers: [...serversOf(cluster), { id: 'typo', url: 'http//:no' }],
      onError: () => {
        throw new Error('handler bug')
      },
    })
    expect(await fleet.embeddings()).toEqual(['easynegative', 'bad_hands'])
    const only = new FleetInfo({ servers: [{ id: 'typo', url: 'not a url' }] })
    const error = (await only.embeddings().catch((caught: unknown) => caught)) as FleetInfoUnavailableError
    expect(error.failures[0]?.message).toBe('typo: its configured URL is not a valid URL')
  })

  it('ignores a repeated server id and refuses negative limits', async () => {
    const cluster = await startFleet()
    const [a] = serversOf(cluster)
    const fleet = new FleetInfo({ servers: [a!, { ...a!, url: 'http://127.0.0.1:9' }] })
    expect(await fleet.embeddings()).toEqual(['easynegative'])
    expect(() => new FleetInfo({ servers: [], ttlMs: -1 })).toThrow(RangeError)
    expect(() => new FleetInfo({ servers: [], maxBytes: Number.NaN })).toThrow(/maxBytes/)
  })
})
