import { writeFileSync } from 'node:fs'
import { poissonWorkload, seededRandom } from '@comfy-balancer/testkit'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { biomeJson } from '../biome-json.js'
import { buildWorker } from './build-worker.js'
import type { PlacementMode, StoreSpec } from './protocol.js'
import { type InstancesOutcome, runInstances } from './run-instances.js'

/**
 * `npm run bench:instances`: issue 9's benchmark. Balancer PROCESSES (plain `node` on a bundled
 * worker) share one simulated cluster of speeds 1, 1, 2, 4 at 80 % of its capacity: the same
 * Poisson arrivals (lognormal work, mean 300 ms at speed 1, fixed seed) split at random over the
 * processes. Each process is alone (memory store) or shares a Redis store on a `redis-server`
 * started here. Everything runs on real time: Redis's TTLs are wall-clock.
 */
const SPEEDS = [1, 1, 2, 4]
const MEAN_WORK_MS = 300
const JOBS = Number(process.env.BENCH_JOBS ?? 400)
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 4)
/** Probe every second, so a ~19 s run holds enough probe rounds to measure their rate. */
const PROBE = { queueMode: 'ws', intervalMs: 1_000, cacheMs: 1_000 }
const MODES = (process.env.BENCH_MODES?.split(',') ?? ['dispatcher', 'leastExpectedWait']) as PlacementMode[]

const capacityPerMs = SPEEDS.reduce((a, b) => a + b, 0) / MEAN_WORK_MS
const items = poissonWorkload(JOBS, 0.8 * capacityPerMs, MEAN_WORK_MS, 7)

let worker: Awaited<ReturnType<typeof buildWorker>>
let redis: RedisServer
let runs = 0

interface Row extends InstancesOutcome {
  readonly mode: PlacementMode
  readonly setup: string
  readonly instances: number
  readonly store: 'memory' | 'redis'
}
const rows: Row[] = []

beforeAll(async () => {
  ;[worker, redis] = await Promise.all([buildWorker(), startRedisServer()])
}, 120_000)

afterAll(async () => {
  await redis?.close()
  await worker?.remove()
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  const lines = [
    '| Placement | Setup | Mean (ms) | p95 (ms) | × 1 process mean | Probe req/s | Idle server counted busy | Jobs per server (x1, x1, x2, x4) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const row of rows) {
    const single = rows.find((r) => r.mode === row.mode && r.instances === 1 && r.store === 'memory')
    lines.push(
      `| ${row.mode} | ${row.setup} | ${fmt(row.mean)} | ${fmt(row.p95)} | ${single ? (row.mean / single.mean).toFixed(2) : '—'} | ${row.probesPerSecond.toFixed(1)} | ${(row.idleCountedBusyShare * 100).toFixed(1)} % | ${row.jobsPerServer.join(', ')} |`,
    )
  }
  console.log(`\n${lines.join('\n')}\n`)
  writeFileSync(
    new URL('../results/instances.json', import.meta.url),
    biomeJson({ jobs: JOBS, speeds: SPEEDS, meanWorkMs: MEAN_WORK_MS, probe: PROBE, rows }),
  )
})

const setups: Array<{ setup: string; instances: number; store: 'memory' | 'redis' }> = [
  { setup: '1 process', instances: 1, store: 'memory' },
  { setup: '1 process, Redis store', instances: 1, store: 'redis' },
  { setup: `${INSTANCES} processes, memory store (each alone)`, instances: INSTANCES, store: 'memory' },
  { setup: `${INSTANCES} processes, Redis store (shared)`, instances: INSTANCES, store: 'redis' },
]

for (const mode of MODES) {
  for (const { setup, instances, store } of setups) {
    it(`${mode}: ${setup}`, { timeout: 300_000 }, async () => {
      const spec: StoreSpec =
        store === 'memory'
          ? { kind: 'memory' }
          : { kind: 'redis', url: redis.url, prefix: `bench-${++runs}:` }
      const outcome = await runInstances(
        worker.file,
        { mode, instances, store: spec },
        items,
        SPEEDS,
        PROBE,
        seededRandom(13),
      )
      rows.push({ mode, setup, instances, store, ...outcome })
      console.log(
        `${mode} — ${setup}: mean ${Math.round(outcome.mean)} p95 ${Math.round(outcome.p95)} ` +
          `probes ${outcome.probesPerSecond.toFixed(1)}/s (system_stats ${outcome.systemStatsPerSecond.toFixed(1)}, ` +
          `GET /prompt ${outcome.promptGetsPerSecond.toFixed(1)}) wait ${Math.round(outcome.meanWaitMs)} ` +
          `jobs ${outcome.jobsPerServer.join('/')} slower-while-faster-idle ${outcome.slowerWhileFasterIdle} ` +
          `idle-counted-busy ${(outcome.idleCountedBusyShare * 100).toFixed(1)} % ` +
          `events ${outcome.storeEvents.join(',') || '—'}`,
      )
      expect(outcome.succeeded).toBe(items.length)
      expect(outcome.errors).toEqual({})
    })
  }
}
