import type { SimCluster } from '@comfy-balancer/testkit/sim'
import { describe, expect, it } from 'vitest'
import type { LoadBalancer, ModelState } from '../index.js'
import { useSimBalancer } from './sim-balancer.js'
import { until } from './sim-waits.js'

/**
 * Residency and load times are learned from what ran, over WebSocket pushes (the loader nodes'
 * `executing` messages), on a real simulated server whose clock runs 20× faster than the wall clock.
 * A message's latency counts 20× too, so loads are long (10–20 s) and load times are checked within
 * a fifth, never against the wall clock.
 */
const GB = 1e9
const CHECKPOINTS = ['a.safetensors', 'b.safetensors', 'c.safetensors']
// At 1 GB/s: a loads in 10 s, b in 15 s, c in 20 s.
const SIZES = { 'a.safetensors': 10 * GB, 'b.safetensors': 15 * GB, 'c.safetensors': 20 * GB }

const render = (ckpt: string, ms = 1_000) => ({
  '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
  '2': { class_type: 'SimWork', inputs: { ms, model: ['1', 0] } },
})

const startSim = useSimBalancer()
let cluster: SimCluster | undefined
let balancer: LoadBalancer | undefined

/** One server that holds `vramSlots` models; runs `ckpts` one after the other through `run()`. */
async function runAll(vramSlots: number, ckpts: readonly string[], modelSlots?: number) {
  ;({ cluster, balancer } = await startSim(
    [
      {
        catalog: { models: { checkpoints: CHECKPOINTS } },
        models: { sizes: SIZES, bytesPerSecond: GB, vramSlots },
      },
    ],
    (urls) => ({ servers: [{ url: urls[0]!, ...(modelSlots === undefined ? {} : { modelSlots }) }] }),
  ))
  const b = balancer
  const sim = cluster.sims[0]!
  await b.refresh()
  await until(b, (s) => sim.wsClients === 1 && s.servers[0]?.capabilities !== undefined)
  const loads: string[] = []
  b.on('model-loaded', ({ model }) => loads.push(model))
  for (const ckpt of ckpts) await b.run(render(ckpt))
  const server = b.getSnapshot().servers[0]!
  return { models: server.models as ModelState, jobMs: server.jobMs, log: sim.model.log, loads }
}

describe('model residency and load times, learned from what ran', () => {
  it('learns each model’s load time from its loader and keeps loads out of the job time', async () => {
    const { models, jobMs, loads } = await runAll(1, ['a.safetensors', 'b.safetensors', 'b.safetensors'])
    // Each load from disk is an event; the third job found b held.
    expect(loads).toEqual(['a.safetensors', 'b.safetensors'])
    expect(models.held).toEqual(['b.safetensors'])
    expect(models.slots).toBe(1)
    expect(models.loadMs['a.safetensors']).toBeGreaterThan(8_000)
    expect(models.loadMs['a.safetensors']).toBeLessThan(12_000)
    expect(models.loadMs['b.safetensors']).toBeGreaterThan(12_000)
    expect(models.loadMs['b.safetensors']).toBeLessThan(18_000)
    // Every job did 1 s of work; the loads (10 s, 15 s) are not in the job-time estimate.
    expect(jobMs).toBeLessThan(3_000)
  })

  it('learns that a GPU keeps two models when one used two models ago did not load', async () => {
    const { models, log } = await runAll(2, ['a.safetensors', 'b.safetensors', 'a.safetensors'])
    expect(log.map((entry) => entry.loads ?? [])).toEqual([['a.safetensors'], ['b.safetensors'], []])
    expect(models.slots).toBe(2)
    expect(models.held).toEqual(['b.safetensors', 'a.safetensors'])
  })

  it('learns fewer slots when a model it could have held had to load', async () => {
    const { models, log } = await runAll(1, [
      'a.safetensors',
      'b.safetensors',
      'c.safetensors',
      'b.safetensors',
      'a.safetensors',
      'b.safetensors',
    ])
    expect(log.every((entry) => entry.loads?.length === 1)).toBe(true)
    expect(models.slots).toBe(1)
    expect(models.held).toEqual(['b.safetensors'])
  })

  it('keeps the messages of a job nobody follows yet: followed after it ran, its start and load still count', async () => {
    await runAll(1, [])
    const b = balancer!
    const sim = cluster!.sims[0]!
    const submission = await b.submit(render('c.safetensors'))
    await until(b, () => sim.model.log.some((entry) => entry.outcome === 'success'))
    const events: string[] = []
    await b.result(submission.promptId, { onEvent: (event) => events.push(event.type) })
    expect(events).toEqual(['queued', 'started', 'progress'])
    const loadMs = b.getSnapshot().servers[0]!.models?.loadMs['c.safetensors']
    expect(loadMs).toBeGreaterThan(16_000)
    expect(loadMs).toBeLessThan(24_000)
  })

  it('takes a modelSlots hint over what it sees', async () => {
    const { models } = await runAll(2, ['a.safetensors', 'b.safetensors', 'a.safetensors'], 1)
    expect(models.slots).toBe(1)
    expect(models.held).toEqual(['a.safetensors'])
  })
})
