import { describe, expect, it } from 'vitest'
import { type ChaosKind, createComfyModel, createTestClock, flap, seededRandom, startChaos } from '../index'
import { simWork } from './fixtures'

function models(count: number) {
  const clock = createTestClock()
  return {
    clock,
    models: Array.from({ length: count }, (_, i) => createComfyModel({ clock, id: `m${i + 1}` })),
  }
}

describe('startChaos', () => {
  it('draws the same schedule from the same seed, and a different one from another seed', async () => {
    const run = async (seed: number) => {
      const { clock, models: targets } = models(3)
      const chaos = startChaos({
        targets,
        clock,
        random: seededRandom(seed),
        meanGapMs: 1_000,
        durationMs: [200, 800],
        maxConcurrent: 2,
      })
      await clock.advance(30_000)
      await chaos.stop()
      return chaos.events.map(
        (e) => `${e.target}:${e.kind}@${e.at - clock.now()}-${(e.until ?? 0) - clock.now()}`,
      )
    }
    const first = await run(5)
    expect(first.length).toBeGreaterThan(10)
    expect(await run(5)).toEqual(first)
    expect(await run(6)).not.toEqual(first)
  })

  it('applies each kind as the fault it names, clears it after its duration, and never exceeds maxConcurrent', async () => {
    const { clock, models: targets } = models(2)
    const seen = new Map<string, string>()
    for (const model of targets) {
      const setFault = model.setFault.bind(model)
      model.setFault = (fault) => {
        if (fault) seen.set(`${model.id}:${fault.kind}${fault.process ? '+process' : ''}`, '')
        setFault(fault)
      }
    }
    const chaos = startChaos({
      targets,
      clock,
      random: seededRandom(11),
      meanGapMs: 300,
      durationMs: [500, 500],
      maxConcurrent: 1,
    })
    let maxFaulted = 0
    for (let t = 0; t < 60_000; t += 50) {
      await clock.advance(50)
      const faulted = chaos.events.filter((e) => e.until === undefined).length
      maxFaulted = Math.max(maxFaulted, faulted)
    }
    await chaos.stop()
    expect(maxFaulted).toBe(1)
    const kinds = new Set(chaos.events.map((e) => e.kind))
    expect([...kinds].sort()).toEqual(
      (
        [
          'crash',
          'flapping',
          'hang',
          'hangAfterAccept',
          'http500',
          'malformed',
          'refuse',
          'restart',
          'slow',
          'wrongShape',
        ] satisfies ChaosKind[]
      ).sort(),
    )
    const kindsSet = [...seen.keys()].map((key) => key.split(':')[1])
    expect(new Set(kindsSet)).toEqual(
      new Set(['refuse', 'hang', 'hang+process', 'http500', 'malformed', 'wrongShape', 'slow']),
    )
    for (const event of chaos.events) {
      expect(event.until).toBeDefined()
      if (event.kind !== 'crash') expect(event.until! - event.at).toBe(500)
    }
    for (const model of targets) expect(model.fault).toBeUndefined()
  })

  it('a crash loses the running job, and during() finds the fault that explains it', async () => {
    const { clock, models: targets } = models(1)
    const model = targets[0]!
    model.submit({ prompt: simWork(60_000) })
    const chaos = startChaos({
      targets,
      clock,
      random: seededRandom(3),
      meanGapMs: 1_000,
      durationMs: [100, 100],
      kinds: { crash: 1 },
    })
    await clock.advance(10_000)
    await chaos.stop()
    expect(model.log[0]?.outcome).toBe('lost')
    const first = chaos.events[0]!
    expect(first.kind).toBe('crash')
    expect(chaos.during('m1', model.log[0]!.startedAt, model.log[0]!.endedAt!)).toContain(first)
    expect(chaos.during('m2', 0, Number.MAX_SAFE_INTEGER)).toEqual([])
  })

  it('stops injecting after forMs and clears what it set on stop()', async () => {
    const { clock, models: targets } = models(2)
    const chaos = startChaos({
      targets,
      clock,
      random: seededRandom(9),
      meanGapMs: 100,
      durationMs: [10_000, 10_000],
      kinds: { hang: 1 },
      maxConcurrent: 2,
      forMs: 1_000,
    })
    await clock.advance(5_000)
    const count = chaos.events.length
    expect(targets.some((m) => m.fault?.kind === 'hang')).toBe(true)
    await clock.advance(20_000)
    expect(chaos.events.length).toBe(count)
    await chaos.stop()
    expect(targets.every((m) => m.fault === undefined)).toBe(true)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('rejects nonsense options', () => {
    const { clock, models: targets } = models(1)
    const random = seededRandom(1)
    expect(() => startChaos({ targets: [], clock, random, meanGapMs: 1, durationMs: [0, 1] })).toThrow(
      RangeError,
    )
    expect(() => startChaos({ targets, clock, random, meanGapMs: 0, durationMs: [0, 1] })).toThrow(RangeError)
    expect(() => startChaos({ targets, clock, random, meanGapMs: 1, durationMs: [2, 1] })).toThrow(RangeError)
    expect(() =>
      startChaos({ targets, clock, random, meanGapMs: 1, durationMs: [0, 1], kinds: { crash: 0 } }),
    ).toThrow(RangeError)
  })
})

describe('flap', () => {
  it('refuses and answers in turn until stopped, then answers', async () => {
    const { clock, models: targets } = models(1)
    const model = targets[0]!
    const stop = flap(model, clock, { downMs: 300, upMs: 700 })
    const states: string[] = []
    for (let t = 0; t < 2_000; t += 100) {
      states.push(model.fault?.kind ?? 'up')
      await clock.advance(100)
    }
    expect(states.join(',')).toBe(
      [
        ...Array(3).fill('refuse'),
        ...Array(7).fill('up'),
        ...Array(3).fill('refuse'),
        ...Array(7).fill('up'),
      ].join(','),
    )
    stop()
    expect(model.fault).toBeUndefined()
    expect(clock.pendingTimers()).toBe(0)
  })
})
