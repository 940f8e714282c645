import { describe, expect, it } from 'vitest'
import { type ModelJob, type ModelServer, modelOracle } from '../../bench/models/model-oracle.js'
import { MODEL_SCENARIOS, modelWorkload } from '../../bench/models/model-scenarios.js'

/** The model-aware oracle of `BENCH_SCENARIOS=models,… npm run bench:cluster`. */
const GB = 1e9
const SIZES = { 'a.safetensors': 2.6 * GB, 'b.safetensors': 1.3 * GB, 'c.safetensors': 3.9 * GB }
const gpu = (speed: number, vramSlots = 1, extra: Partial<ModelServer> = {}): ModelServer => ({
  speed,
  sizes: SIZES,
  bytesPerSecond: 1.3 * GB,
  vramSlots,
  ...extra,
})
const job = (arrivalMs: number, model: string, workMs = 1_000, nodes?: string[]): ModelJob => ({
  arrivalMs,
  workMs,
  model,
  ...(nodes ? { nodes } : {}),
})

describe('modelOracle', () => {
  it('pays size ÷ disk speed, not divided by the GPU speed, then the work at the GPU speed', () => {
    // As the simulator: 2.6 GB at 1.3 GB/s = 2 s, then 1 s of work at speed 2.
    expect(modelOracle([job(0, 'a.safetensors')], [gpu(2)])).toEqual({
      latencies: [2_500],
      loads: [1],
      loadMs: [2_000],
      servers: [0],
    })
  })

  it('keeps vramSlots models per server, least recently used evicted first (the simulator’s sequence)', () => {
    const files = ['a', 'b', 'a', 'c', 'b'].map((name) => `${name}.safetensors`)
    const result = modelOracle(
      files.map((file) => job(0, file, 0)),
      [gpu(1, 2)],
    )
    expect(result.loads).toEqual([1, 1, 0, 1, 1])
    expect(result.loadMs).toEqual([2_000, 1_000, 0, 3_000, 1_000])
  })

  it('serves the previous job’s model without a load (output cache) and follows it to its server', () => {
    // Job 1 loads a on the x1 server (the x2 one is busy); job 2 (a) finishes earlier where a is held.
    const result = modelOracle(
      [job(0, 'c.safetensors', 20_000), job(0, 'a.safetensors', 1_000), job(5_000, 'a.safetensors', 1_000)],
      [gpu(1), gpu(2)],
    )
    expect(result.servers).toEqual([1, 0, 0])
    expect(result.loads).toEqual([1, 1, 0])
    expect(result.latencies[2]).toBe(1_000)
  })

  it('weighs a load against a faster GPU: a short job stays where its model is, a long one moves', () => {
    // c (3 s to load) is held by the x1 server after the first job.
    const jobs = [
      job(0, 'c.safetensors', 0),
      job(10_000, 'c.safetensors', 1_000),
      job(20_000, 'c.safetensors', 20_000),
    ]
    const result = modelOracle(jobs, [gpu(1), gpu(2)])
    // 1 s on x1 beats 3 s + 0.5 s on x2; 3 s + 10 s on x2 beats 20 s on x1.
    expect(result.servers).toEqual([0, 0, 1])
    expect(result.loads).toEqual([1, 0, 1])
    expect(result.latencies).toEqual([3_000, 1_000, 13_000])
  })

  it('runs a job only where the catalog has its model and node classes', () => {
    const servers = [
      gpu(4, 2, { models: ['a.safetensors'], nodes: [] }),
      gpu(1, 2, { models: ['a.safetensors', 'b.safetensors'], nodes: ['Custom'] }),
    ]
    const result = modelOracle([job(0, 'b.safetensors'), job(0, 'a.safetensors', 1_000, ['Custom'])], servers)
    expect(result.servers).toEqual([1, 1])
    expect(() => modelOracle([job(0, 'c.safetensors')], servers)).toThrow('no server can run job 0')
  })

  it('sets each scenario’s rate at 80 % of capacity counting the oracle’s loads (settled, seeded)', () => {
    for (const scenario of MODEL_SCENARIOS) {
      const a = modelWorkload(scenario, 300, 7)
      expect(modelWorkload(scenario, 300, 7)).toEqual(a)
      // 8 speed units of 15 s jobs: at most 32 jobs a minute at 100 % without loads.
      expect(a.perMinute).toBeGreaterThan(15)
      expect(a.perMinute).toBeLessThan(0.8 * 32)
      expect(a.oracleLoadMs).toBeGreaterThan(0)
    }
  })
})
