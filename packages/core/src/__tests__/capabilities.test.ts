import { describe, expect, it } from 'vitest'
import { type JobEvent, NoCapableServerError } from '../index.js'
import { drive, EARLY, FOUR, harness, useMsw } from './harness.js'

useMsw()

const [A, B, C] = FOUR as [string, string, string, string]
const id = (url: string) => url.replace('http://', '')
const fast = { jobs: { pollIntervalMs: 100 }, probe: { cacheMs: 100 } }

/** A custom node class only some servers have: an output node, like a saver from a node pack. */
const UPSCALER = {
  required: { ms: ['INT', { default: 0, min: 0, max: 100_000 }] },
  outputs: ['IMAGE'],
  outputNode: true,
} as const

const upscale = { '1': { class_type: 'FancyUpscale', inputs: { ms: 200 } } }
const render = (ckpt: string) => ({
  '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
  '2': { class_type: 'SimWork', inputs: { ms: 200, model: ['1', 0] } },
})

/** A: the stock catalog. B: the upscaler and a rare checkpoint. C: the rare checkpoint only. */
function cluster(config: Record<string, unknown> = fast) {
  return harness({
    servers: [
      { url: A },
      {
        url: B,
        catalog: {
          nodes: { FancyUpscale: UPSCALER },
          models: { checkpoints: ['sd_xl_base_1.0.safetensors', 'rare.safetensors'] },
        },
      },
      { url: C, catalog: { models: { checkpoints: ['rare.safetensors'] } } },
    ],
    config,
  })
}

/** How many prompts were POSTed to each server. */
function posts(h: ReturnType<typeof cluster>) {
  return [A, B, C].map((url) => h.posts.filter((base) => base === url).length)
}

describe('capabilities: each job only where it can run', () => {
  it('reads each server’s /object_info once it answers and shows the counts in its snapshot', async () => {
    const h = cluster()
    await h.balancer.refresh()
    await drive(h.clock, Promise.resolve(), { stepMs: 10, maxMs: 50 })
    const counts = h.balancer.getSnapshot().servers.map((server) => server.capabilities)
    expect(counts).toEqual([
      expect.objectContaining({ nodes: 15, models: 3, checkpoints: 2 }),
      expect.objectContaining({ nodes: 16, models: 3, checkpoints: 2 }),
      expect.objectContaining({ nodes: 15, models: 2, checkpoints: 1 }),
    ])
    // One request each: the read is not repeated by later probes.
    await h.balancer.refresh()
    expect([A, B, C].map((url) => h.model(url).requestCounts.catalog)).toEqual([1, 1, 1])
  })

  it.each([
    ['late binding', {}],
    ['early binding', EARLY],
  ] as const)(
    'sends a job needing a custom node only to the server that has it (%s)',
    async (_name, binding) => {
      const h = cluster()
      await h.balancer.refresh()
      await drive(h.clock, Promise.resolve(), { stepMs: 10, maxMs: 50 })
      const results = await Promise.all(
        Array.from({ length: 4 }, () => drive(h.clock, h.balancer.run(upscale, binding), { stepMs: 50 })),
      )
      expect(results.map((r) => (r.ok ? r.value.serverId : String(r.error)))).toEqual(Array(4).fill(id(B)))
      // Nothing was offered to a server that lacks the class.
      expect(posts(h)).toEqual([0, 4, 0])
    },
  )

  it('sends a job naming a checkpoint only where that file is', async () => {
    const h = cluster()
    await h.balancer.refresh()
    await drive(h.clock, Promise.resolve(), { stepMs: 10, maxMs: 50 })
    const outcome = await drive(h.clock, h.balancer.run(render('rare.safetensors')), { stepMs: 50 })
    expect(outcome.ok && [id(B), id(C)].includes(outcome.value.serverId)).toBe(true)
    expect(posts(h)[0]).toBe(0)
  })

  it('rejects a job no server can run before any POST, naming what is missing and where it exists', async () => {
    const h = cluster()
    await h.balancer.refresh()
    await drive(h.clock, Promise.resolve(), { stepMs: 10, maxMs: 50 })
    const prompt = {
      ...render('rare.safetensors'),
      '3': { class_type: 'FancyUpscale', inputs: { ms: 1 } },
      '4': { class_type: 'NoSuchNode', inputs: {} },
    }
    for (const binding of [{}, EARLY]) {
      const outcome = await drive(h.clock, h.balancer.run(prompt, binding), { stepMs: 50 })
      const error = (outcome as { error: NoCapableServerError }).error
      expect(error).toBeInstanceOf(NoCapableServerError)
      expect(error.code).toBe('NO_CAPABLE_SERVER')
      expect(error.message).toContain('node class NoSuchNode: on no server')
      expect(error.message).toContain(`node class FancyUpscale: on ${id(B)} but not ${id(A)}, ${id(C)}`)
      expect(error.message).toContain(
        `model rare.safetensors (CheckpointLoaderSimple.ckpt_name): on ${id(B)}, ${id(C)} but not ${id(A)}`,
      )
      expect(error.servers.map((server) => server.serverId)).toEqual([id(A), id(B), id(C)])
    }
    expect(posts(h)).toEqual([0, 0, 0])
  })

  it('moves a job refused for a missing class before capabilities were read, with no error and no attempt spent', async () => {
    const h = cluster()
    // A's /object_info cannot be read, so nothing says it lacks the class.
    h.model(A).setFault({ kind: 'http500', endpoints: ['catalog'] })
    await h.balancer.refresh()
    await drive(h.clock, Promise.resolve(), { stepMs: 10, maxMs: 50 })
    const events: JobEvent[] = []
    const outcome = await drive(
      h.clock,
      h.balancer.run(upscale, { server: id(A), onEvent: (event) => events.push(event) }),
      { stepMs: 50 },
    )
    expect(outcome).toMatchObject({ ok: true, value: { serverId: id(B), attempts: 1 } })
    expect(h.model(A).queueRemaining).toBe(0)
    expect(events.map((event) => event.type)).toEqual(['queued', 'started'])
    // The refusal asked A again what it can run (the fault still answers 500: no counts yet).
    expect(h.model(A).requestCounts.catalog).toBe(2)
    expect(posts(h)).toEqual([1, 1, 0])
    expect(h.logger.text()).toContain(`${id(A)} lacks something`)
    expect(h.logger.text()).toContain(`Could not read what ${id(A)} can run`)
  })

  it('with probe.capabilities false reads nothing and routes as if every server could run every job', async () => {
    const h = cluster({ ...fast, probe: { ...fast.probe, capabilities: false } })
    await h.balancer.refresh()
    await drive(h.clock, Promise.resolve(), { stepMs: 10, maxMs: 50 })
    expect([A, B, C].map((url) => h.model(url).requestCounts.catalog)).toEqual([0, 0, 0])
    expect(h.balancer.getSnapshot().servers.every((server) => server.capabilities === undefined)).toBe(true)
  })
})
