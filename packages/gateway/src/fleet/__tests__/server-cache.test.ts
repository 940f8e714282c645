import { describe, expect, it } from 'vitest'
import { FleetRequestError } from '../errors'
import { type CachePolicy, type Outcome, ServerCache } from '../server-cache'
import type { FleetServer } from '../server-target'
import { manualClock } from './fleet-sims'

/** A load whose reads a test answers one by one. */
function scriptedLoad<T>() {
  const reads: Array<{ server: FleetServer; answer: (outcome: Outcome<T>) => void }> = []
  const load = (server: FleetServer) =>
    new Promise<Outcome<T>>((resolve) => {
      reads.push({ server, answer: resolve })
    })
  return { reads, load }
}

const a: FleetServer = { id: 'a', url: 'http://127.0.0.1:1' }
const failed = (): Outcome<never> => ({
  ok: false,
  error: new FleetRequestError('a', '/object_info', 'network', 'a: refused'),
})
const small: CachePolicy = { ttlMs: 1_000, failureTtlMs: 100, background: false }
const big: CachePolicy = { ttlMs: 1_000, failureTtlMs: 100, background: true }

describe('ServerCache', () => {
  it('shares one read among callers and serves it until the TTL', async () => {
    const clock = manualClock()
    const { reads, load } = scriptedLoad<string>()
    const cache = new ServerCache(small, clock.now, load)
    const first = cache.read(a)
    const second = cache.read(a)
    expect(reads).toHaveLength(1)
    reads[0]!.answer({ ok: true, value: 'v1' })
    expect(await first).toEqual({ ok: true, value: 'v1' })
    expect(await second).toEqual({ ok: true, value: 'v1' })
    clock.advance(999)
    expect(cache.read(a)).toEqual({ ok: true, value: 'v1' })
    clock.advance(1)
    const third = cache.read(a)
    expect(reads).toHaveLength(2)
    reads[1]!.answer({ ok: true, value: 'v2' })
    expect(await third).toEqual({ ok: true, value: 'v2' })
  })

  it('does not let a read started before invalidate() stand for a new one', async () => {
    const clock = manualClock()
    const { reads, load } = scriptedLoad<string>()
    const settled: string[] = []
    const cache = new ServerCache(small, clock.now, load, (_server, outcome) =>
      settled.push(outcome.ok ? outcome.value : 'failed'),
    )
    const before = cache.read(a)
    cache.invalidate('a')
    const after = cache.read(a)
    expect(reads).toHaveLength(2)
    reads[1]!.answer({ ok: true, value: 'new' })
    reads[0]!.answer({ ok: true, value: 'old' })
    expect(await before).toEqual({ ok: true, value: 'old' })
    expect(await after).toEqual({ ok: true, value: 'new' })
    // The late old answer did not overwrite the new one.
    expect(cache.read(a)).toEqual({ ok: true, value: 'new' })
    expect(settled).toEqual(['new', 'old'])
  })

  it('in background mode serves the old answer while reading anew, and retries a failure behind the scenes', async () => {
    const clock = manualClock()
    const { reads, load } = scriptedLoad<string>()
    const cache = new ServerCache(big, clock.now, load)
    const first = cache.read(a)
    reads[0]!.answer({ ok: true, value: 'v1' })
    await first
    clock.advance(1_000)
    expect(cache.read(a)).toEqual({ ok: true, value: 'v1' })
    expect(cache.read(a)).toEqual({ ok: true, value: 'v1' })
    expect(reads).toHaveLength(2)
    reads[1]!.answer(failed())
    await Promise.resolve()
    await Promise.resolve()
    // Failed: skipped (not the old value), and not asked again within failureTtlMs.
    expect(cache.read(a)).toMatchObject({ ok: false })
    clock.advance(100)
    expect(cache.read(a)).toMatchObject({ ok: false })
    expect(reads).toHaveLength(3)
    reads[2]!.answer({ ok: true, value: 'v3' })
    await Promise.resolve()
    await Promise.resolve()
    expect(cache.read(a)).toEqual({ ok: true, value: 'v3' })
  })

  it('starts afresh for a server whose URL or headers changed, and forgets removed servers', async () => {
    const clock = manualClock()
    const { reads, load } = scriptedLoad<string>()
    const cache = new ServerCache(small, clock.now, load)
    const first = cache.read(a)
    reads[0]!.answer({ ok: true, value: 'v1' })
    await first
    expect(cache.read({ ...a })).toEqual({ ok: true, value: 'v1' })
    void cache.read({ ...a, headers: { Authorization: 'Bearer new' } })
    expect(reads).toHaveLength(2)
    cache.retain([])
    void cache.read(a)
    expect(reads).toHaveLength(3)
  })
})
