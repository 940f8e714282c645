import { poissonWorkload, seededRandom } from '@comfy-balancer/testkit'
import type { SimServerSpec } from '@comfy-balancer/testkit/sim'
import { type ModelJob, type ModelServer, modelOracle } from './model-oracle.js'

/**
 * Issue 16 item 5's scenarios: servers of speeds 1, 1, 2, 4 that load checkpoints from disk, jobs
 * that name one, lognormal work of mean 15 s at speed 1 and Poisson arrivals at 80 % of capacity.
 */
export const SPEEDS = [1, 1, 2, 4]
export const MEAN_WORK_MS = 15_000
export const LOAD_SHARE = 0.8
const GB = 1e9

/** Five checkpoints every server has: size and popularity (share of jobs). */
export const COMMON = [
  { file: 'model-a.safetensors', bytes: 6.5 * GB, share: 0.4 },
  { file: 'model-b.safetensors', bytes: 2.1 * GB, share: 0.25 },
  { file: 'model-c.safetensors', bytes: 7.0 * GB, share: 0.15 },
  { file: 'model-d.safetensors', bytes: 2.0 * GB, share: 0.12 },
  { file: 'model-e.safetensors', bytes: 5.1 * GB, share: 0.08 },
] as const
/** The catalog scenario's checkpoint that only servers 0 and 2 (x1, x2) have. */
export const RARE = { file: 'model-rare.safetensors', bytes: 4.3 * GB, servers: [0, 2], share: 0.2 }
/** The catalog scenario's custom node class that only servers 1 and 3 (x1, x4: the fastest) have. */
export const CUSTOM = { name: 'CustomModelPatch', servers: [1, 3], share: 0.1 }

/** One server: what the simulator is started with and what the oracle knows of it. */
export interface ModelServerSetup {
  readonly spec: SimServerSpec
  readonly oracle: ModelServer
}

export interface ModelScenario {
  readonly name: 'models' | 'models-slow' | 'catalog'
  readonly servers: readonly ModelServerSetup[]
  /** Picks each job's checkpoint and node classes, from its own seeded source. */
  pick(random: () => number): Pick<ModelJob, 'model' | 'nodes'>
}

const SIZES: Record<string, number> = Object.fromEntries(
  [...COMMON, RARE].map((model) => [model.file, model.bytes]),
)

function server(
  index: number,
  options: { bytesPerSecond: number; vramSlots: number; models: string[]; nodes: string[] },
): ModelServerSetup {
  const speed = SPEEDS[index]!
  const { bytesPerSecond, vramSlots, models, nodes } = options
  // A custom class that takes the loader's MODEL and passes it on, linked between loader and SimWork.
  const custom = { required: { model: ['MODEL'] as const }, outputs: ['MODEL'], category: 'custom' }
  return {
    spec: {
      speed,
      name: `gpu-${index + 1}-x${speed}`,
      models: { sizes: SIZES, bytesPerSecond, vramSlots },
      catalog: {
        models: { checkpoints: models },
        ...(nodes.length > 0 ? { nodes: Object.fromEntries(nodes.map((name) => [name, custom])) } : {}),
      },
    },
    oracle: { speed, sizes: SIZES, bytesPerSecond, vramSlots, models, nodes },
  }
}

function pickCommon(random: () => number): string {
  let u = random()
  for (const model of COMMON) {
    if (u < model.share) return model.file
    u -= model.share
  }
  return COMMON.at(-1)!.file
}

const commonFiles = COMMON.map((model) => model.file)

/** *models*: one model in VRAM on the x1 servers, two on the others, disks at `bytesPerSecond`. */
function modelsScenario(name: 'models' | 'models-slow', bytesPerSecond: number): ModelScenario {
  return {
    name,
    servers: SPEEDS.map((speed, i) =>
      server(i, { bytesPerSecond, vramSlots: speed === 1 ? 1 : 2, models: commonFiles, nodes: [] }),
    ),
    pick: (random) => ({ model: pickCommon(random) }),
  }
}

/** *catalog*: two models in VRAM everywhere; a checkpoint on two servers, a custom node on two. */
const catalogScenario: ModelScenario = {
  name: 'catalog',
  servers: SPEEDS.map((_, i) =>
    server(i, {
      bytesPerSecond: 1.3 * GB,
      vramSlots: 2,
      models: RARE.servers.includes(i) ? [...commonFiles, RARE.file] : commonFiles,
      nodes: CUSTOM.servers.includes(i) ? [CUSTOM.name] : [],
    }),
  ),
  pick: (random) => {
    const u = random()
    const model = pickCommon(random)
    if (u < RARE.share) return { model: RARE.file }
    if (u < RARE.share + CUSTOM.share) return { model, nodes: [CUSTOM.name] }
    return { model }
  },
}

export const MODEL_SCENARIOS: readonly ModelScenario[] = [
  modelsScenario('models', 1.3 * GB),
  modelsScenario('models-slow', 0.4 * GB),
  catalogScenario,
]

/** A seeded workload of a scenario and the arrival rate it was made at. */
export interface ModelWorkload {
  readonly jobs: ModelJob[]
  /** Jobs per minute. */
  readonly perMinute: number
  /** The oracle's mean load time per job (ms) that the rate counts. */
  readonly oracleLoadMs: number
}

/**
 * `count` jobs at 80 % of capacity, counting the loads the oracle pays. Capacity (jobs per ms) is
 *
 *   capacity = 1 / (W / Σspeed + L / n)
 *
 * with W the mean work at speed 1, n the number of servers and L the oracle's mean load time per
 * job (its total load ms ÷ jobs): a job's work is spread over the cluster's total speed, while a load
 * takes a server for the same time whatever its speed. (Equivalently Σspeed / (W + L · mean speed).)
 * L depends on the rate (busier servers have less choice), so the rate is found by fixed-point
 * iteration from L = 0: arrivals of the same seed are only rescaled, works and picks stay the same.
 */
export function modelWorkload(scenario: ModelScenario, count: number, seed: number): ModelWorkload {
  const totalSpeed = SPEEDS.reduce((a, b) => a + b, 0)
  let loadMs = 0
  let jobs: ModelJob[] = []
  let rate = 0
  for (let round = 0; round < 20; round++) {
    rate = LOAD_SHARE / (MEAN_WORK_MS / totalSpeed + loadMs / SPEEDS.length)
    // The picks come from their own source, so they do not move with the rate.
    const random = seededRandom(seed * 7_919 + 1)
    jobs = poissonWorkload(count, rate, MEAN_WORK_MS, seed).map((item) => ({
      arrivalMs: item.arrivalMs,
      workMs: item.workMs,
      ...scenario.pick(random),
    }))
    const ideal = modelOracle(
      jobs,
      scenario.servers.map((s) => s.oracle),
    )
    const next = ideal.loadMs.reduce((a, b) => a + b, 0) / jobs.length
    const settled = Math.abs(next - loadMs) <= 0.002 * MEAN_WORK_MS
    loadMs = next
    if (settled) break
  }
  return { jobs, perMinute: rate * 60_000, oracleLoadMs: loadMs }
}

/** The API-format prompt of a job: its checkpoint's loader, any custom node, then `SimWork`. */
export function modelPrompt(job: ModelJob): Record<string, unknown> {
  const loader = { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: job.model } }
  const custom = job.nodes?.[0]
  if (custom === undefined)
    return { '1': loader, '2': { class_type: 'SimWork', inputs: { ms: job.workMs, model: ['1', 0] } } }
  return {
    '1': loader,
    '3': { class_type: custom, inputs: { model: ['1', 0] } },
    '2': { class_type: 'SimWork', inputs: { ms: job.workMs, model: ['3', 0] } },
  }
}
