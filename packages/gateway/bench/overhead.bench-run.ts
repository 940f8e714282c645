import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ComfySim, startComfySim, startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NaiveClient, simWork } from './naive-client.js'
import { type ProfileSummary, summarizeProfile } from './overhead/cpu-profile.js'
import { buildGatewayWorker, type GatewayBundle, GatewayProcess } from './overhead/gateway-process.js'
import { heapGrowth } from './overhead/heap-diff.js'
import { type LoadSamples, type LoadShape, offerLoad, openIdleSockets, quantile } from './overhead/load.js'
import type { MemoryFigures } from './overhead/protocol.js'
import { mean, round, table, writeResults } from './results-file.js'

/**
 * `npm run bench:overhead -w @comfy-balancer/gateway` (issue 17, item 3): what the gateway costs.
 * The gateway runs in its own process (bundled from source, `node --expose-gc`), set up as the CLI
 * does; the simulated servers and the clients share this process, on the real clock.
 *
 * 1. Added latency per job: naive clients POST a job of 0 ms and read their `/ws` — straight to one
 *    simulated server, then through a gateway in front of that one server (every default; and with
 *    `maxPendingPerServer` large, so late binding holds nothing back) — from the POST to the first
 *    `executing` (and to `executing: null`), at p50 and p99: one client alone; 200 clients with
 *    Poisson arrivals at 10 and at 100 jobs/s in all (BENCH_OVERHEAD_RATES), for 30 s each; and 200
 *    clients in a closed loop (as fast as it goes).
 * 2. A burst: BENCH_BURST_POSTS (120) `POST /prompt` at once, each job long enough to wait: how
 *    long each POST takes to answer — straight to one server, and through a gateway over four.
 * 3. Idle `/ws` clients held (1,000, 5,000, 10,000): N sockets opened, each must get its `status` greeting; the gateway's
 *    resident set and heap per 1,000, and a job's POST and round trip while they are held.
 * 4. Memory per 10,000 finished jobs: the gateway's heap after full collections before and after
 *    10,000 tiny jobs (history keeps 10,000 by default), a second 10,000 (history full: oldest
 *    dropped), and after `POST /history {clear: true}`.
 */
const CLIENTS = Number(process.env.BENCH_OVERHEAD_CLIENTS ?? 200)
/** Jobs of the closed loop, over all clients. */
const CLOSED_JOBS = Number(process.env.BENCH_OVERHEAD_JOBS ?? 2_000)
/** Offered rates (jobs/s over all clients) of the paced loads, each for BENCH_PACED_SECONDS. */
const RATES = (process.env.BENCH_OVERHEAD_RATES ?? '10,100').split(',').map(Number)
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 30)
const SOLO_JOBS = Number(process.env.BENCH_SOLO_JOBS ?? 300)
const WS_STEPS = (process.env.BENCH_WS_CLIENTS ?? '1000,5000,10000').split(',').map(Number)
const MEMORY_JOBS = Number(process.env.BENCH_MEMORY_JOBS ?? 10_000)
const MEMORY_ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 2)
const PROFILE = process.env.BENCH_PROFILE !== '0'
/** `0`: no heap snapshots in the memory part (they take a few seconds each). */
const HEAP_DIFF = process.env.BENCH_HEAP_DIFF !== '0'
const BURST_POSTS = Number(process.env.BENCH_BURST_POSTS ?? 120)
const PARTS = (process.env.BENCH_PARTS ?? 'latency,burst,ws,memory').split(',')
/** Late binding holding nothing back: every job goes to the server's own queue at once. */
const NO_HOLD = { maxPendingPerServer: 100_000 }

let bundle: GatewayBundle
const results: Record<string, unknown> = {}
const printed: string[] = []

beforeAll(async () => {
  bundle = await buildGatewayWorker()
}, 120_000)

afterAll(() => {
  if (Object.keys(results).length === 0) return
  writeResults('overhead', { settings: settings(), ...results, profiles })
  console.log(`\n${[...printed, ...profileLines()].join('\n\n')}\n`)
})

function settings() {
  return {
    clients: CLIENTS,
    closedLoopJobs: CLOSED_JOBS,
    pacedRatesPerSec: RATES,
    pacedSeconds: PACED_SECONDS,
    soloJobs: SOLO_JOBS,
    wsSteps: WS_STEPS,
    memoryJobs: MEMORY_JOBS,
    memoryRounds: MEMORY_ROUNDS,
    burstPosts: BURST_POSTS,
    node: process.version,
  }
}

const ms = (value: number) => round(value, 2)

/** Gateway CPU profiles by phase (BENCH_PROFILE=0: none). */
const profiles: Record<string, ProfileSummary> = {}

/** Runs `body` with the gateway process's CPU profiler on (unless BENCH_PROFILE=0). */
async function profiled<T>(gateway: GatewayProcess, phase: string, body: () => Promise<T>): Promise<T> {
  if (!PROFILE) return body()
  await gateway.profileStart()
  const value = await body()
  const file = join(tmpdir(), `gateway-bench-${phase.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`)
  profiles[phase] = summarizeProfile(await gateway.profileStop(file), bundle)
  console.log(`CPU profile of the gateway process (${phase}): ${file}`)
  return value
}

function profileLines(): string[] {
  return Object.entries(profiles).map(
    ([phase, profile]) =>
      `Gateway CPU (${phase}): busy ${Math.round(profile.busyShare * 100)} % of ${profile.totalMs} ms; by part: ${profile.parts
        .slice(0, 10)
        .map((part) => `${part.part} ${(part.share * 100).toFixed(1)} %`)
        .join(', ')}\ntop functions: ${profile.functions
        .map((f) => `${f.name} (${f.where}) ${(f.share * 100).toFixed(1)} %`)
        .join('; ')}`,
  )
}

/** Starts a fresh simulated server and a gateway process over it (`dispatch` undefined: none, direct). */
async function withTarget<T>(
  kind: 'direct' | 'gateway',
  dispatch: Record<string, unknown> | undefined,
  use: (url: string, gateway: GatewayProcess | undefined, sim: ComfySim) => Promise<T>,
): Promise<T> {
  const sim = await startComfySim({ timeScale: 1, name: 'solo' })
  let gateway: GatewayProcess | undefined
  try {
    if (kind === 'gateway')
      gateway = await GatewayProcess.start(bundle, {
        urls: [sim.url],
        ...(dispatch === undefined ? {} : { dispatch }),
      })
    return await use(gateway?.url ?? sim.url, gateway, sim)
  } finally {
    await gateway?.stop()
    await sim.close()
  }
}

if (PARTS.includes('latency'))
  it('added latency per job: direct to one server vs through the gateway', { timeout: 600_000 }, async () => {
    const loads: Array<readonly [string, LoadShape]> = [
      ['1 client, one job at a time', { clients: 1, jobs: SOLO_JOBS, warmup: 20 }],
      ...RATES.map(
        (rate) =>
          [
            `${CLIENTS} clients, ${rate} jobs/s in all`,
            { clients: CLIENTS, jobs: Math.round(rate * PACED_SECONDS), warmup: 1, ratePerSec: rate },
          ] as const,
      ),
      [`${CLIENTS} clients, closed loop`, { clients: CLIENTS, jobs: CLOSED_JOBS, warmup: 1 }],
    ]
    const targets: Array<readonly [string, 'direct' | 'gateway', Record<string, unknown> | undefined]> = [
      ['direct to the server', 'direct', undefined],
      ['gateway, every default', 'gateway', undefined],
      ['gateway, maxPendingPerServer 100000', 'gateway', NO_HOLD],
    ]
    const rows: Array<Record<string, unknown>> = []
    for (const [target, kind, dispatch] of targets) {
      await withTarget(kind, dispatch, async (url, gateway) => {
        for (const [load, shape] of loads) {
          const samples =
            gateway !== undefined && dispatch === undefined && shape.clients > 1
              ? await profiled(gateway, load, () => offerLoad(url, shape))
              : await offerLoad(url, shape)
          rows.push(latencyRow(target, load, samples))
          console.log(`LATENCY ${JSON.stringify(rows.at(-1))}`)
          expect(samples.end.length).toBeGreaterThanOrEqual(shape.jobs)
        }
      })
    }
    // Added = through the gateway − direct, per load and quantile. Not for the closed loop: there
    // latency is queueing behind 199 other clients, set by throughput (compare jobs/s instead).
    const added = rows
      .filter((row) => row.target !== 'direct to the server' && !String(row.load).endsWith('closed loop'))
      .map((row) => {
        const base = rows.find((other) => other.target === 'direct to the server' && other.load === row.load)!
        const minus = (key: string) => ms((row[key] as number) - (base[key] as number))
        return {
          target: row.target,
          load: row.load,
          addedFirstP50: minus('firstP50'),
          addedFirstP99: minus('firstP99'),
          addedEndP50: minus('endP50'),
          addedEndP99: minus('endP99'),
        }
      })
    results.latency = { rows, added }
    printed.push(
      table(
        ['Target', 'Load', 'first executing p50 / p99 (ms)', 'end p50 / p99 (ms)', 'POST p50 (ms)', 'jobs/s'],
        rows.map((row) => [
          row.target,
          row.load,
          `${row.firstP50} / ${row.firstP99}`,
          `${row.endP50} / ${row.endP99}`,
          row.postP50,
          row.rate,
        ]),
      ),
      table(
        ['Through', 'Load', 'added to first executing p50 / p99 (ms)', 'added to end p50 / p99 (ms)'],
        added.map((row) => [
          row.target,
          row.load,
          `${row.addedFirstP50} / ${row.addedFirstP99}`,
          `${row.addedEndP50} / ${row.addedEndP99}`,
        ]),
      ),
    )
  })

if (PARTS.includes('burst'))
  it(`a burst of ${BURST_POSTS} POST /prompt at once`, { timeout: 600_000 }, async () => {
    const rows: Array<Record<string, unknown>> = []
    for (const target of ['direct to one server', 'gateway over four servers, every default'] as const) {
      const cluster = await startSimCluster(target === 'direct to one server' ? [{}] : [{}, {}, {}, {}], {
        timeScale: 1,
      })
      const gateway =
        target === 'direct to one server'
          ? undefined
          : await GatewayProcess.start(bundle, { urls: [...cluster.urls] })
      try {
        const url = gateway?.url ?? cluster.urls[0]!
        // Warm up every path a POST takes, then post the burst from one client (its /ws open).
        await offerLoad(url, { clients: 10, jobs: 100, warmup: 0 })
        const client = await NaiveClient.open(url, () => performance.now())
        const burst = async () => {
          const started = performance.now()
          const times = await Promise.all(
            Array.from({ length: BURST_POSTS }, async () => {
              const at = performance.now()
              const response = await fetch(`${url}/prompt`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ prompt: simWork(3_600_000), client_id: client.clientId }),
              })
              await response.arrayBuffer()
              if (response.status !== 200) throw new Error(`POST /prompt answered ${response.status}`)
              return performance.now() - at
            }),
          )
          return { times, allMs: performance.now() - started }
        }
        const { times, allMs } =
          gateway === undefined
            ? await burst()
            : await profiled(gateway, `a burst of ${BURST_POSTS} POST /prompt`, burst)
        client.close()
        rows.push({
          target,
          posts: times.length,
          allAnsweredMs: ms(allMs),
          perPostMs: ms(allMs / times.length),
          p50: ms(quantile(times, 0.5)),
          p99: ms(quantile(times, 0.99)),
        })
        console.log(`BURST ${JSON.stringify(rows.at(-1))}`)
      } finally {
        await gateway?.stop()
        await cluster.close()
      }
    }
    results.burst = rows
    printed.push(
      table(
        [
          `${BURST_POSTS} POST /prompt at once`,
          'all answered in (ms)',
          'per POST (ms)',
          'POST p50 / p99 (ms)',
        ],
        rows.map((row) => [row.target, row.allAnsweredMs, row.perPostMs, `${row.p50} / ${row.p99}`]),
      ),
    )
  })

function latencyRow(target: string, load: string, samples: LoadSamples): Record<string, unknown> {
  return {
    target,
    load,
    jobs: samples.end.length,
    firstP50: ms(quantile(samples.first, 0.5)),
    firstP99: ms(quantile(samples.first, 0.99)),
    endP50: ms(quantile(samples.end, 0.5)),
    endP99: ms(quantile(samples.end, 0.99)),
    postP50: ms(quantile(samples.post, 0.5)),
    postP99: ms(quantile(samples.post, 0.99)),
    endMean: ms(mean(samples.end)),
    rate: round(samples.rate),
    missingFirst: samples.missingFirst,
  }
}

if (PARTS.includes('ws'))
  it('idle /ws clients held at once', { timeout: 600_000 }, async () => {
    await withTarget('gateway', undefined, async (url, gateway) => {
      const g = gateway!
      const base = await g.memory()
      const rows: Array<Record<string, unknown>> = []
      const sockets: Awaited<ReturnType<typeof openIdleSockets>> = []
      try {
        for (const step of WS_STEPS) {
          const openedAt = performance.now()
          sockets.push(...(await openIdleSockets(url, step - sockets.length)))
          const openMs = performance.now() - openedAt
          const memory = await g.memory()
          const probeShape = { clients: 1, jobs: 20, warmup: 2 }
          const probe =
            step === WS_STEPS.at(-1)
              ? await profiled(g, `one client's jobs, ${step} idle /ws held`, () =>
                  offerLoad(url, probeShape),
                )
              : await offerLoad(url, probeShape)
          const held = sockets.filter((socket) => socket.socket.readyState === socket.socket.OPEN).length
          const row = {
            held,
            greeted: sockets.filter((socket) => socket.greeted).length,
            openSeconds: round(openMs / 1000, 1),
            rssMiB: round(memory.rss / 2 ** 20, 1),
            heapMiB: round(memory.heapUsed / 2 ** 20, 1),
            rssPer1000MiB: round((((memory.rss - base.rss) / step) * 1000) / 2 ** 20, 2),
            heapPer1000MiB: round((((memory.heapUsed - base.heapUsed) / step) * 1000) / 2 ** 20, 2),
            postP50: ms(quantile(probe.post, 0.5)),
            postMax: ms(Math.max(...probe.post)),
            jobP50: ms(quantile(probe.end, 0.5)),
            jobMax: ms(Math.max(...probe.end)),
            // Each POST and each job's end sends every socket of the caller a `status` (as ComfyUI).
            statusPerIdleSocket: round(mean(sockets.map((socket) => socket.messages() - 1)), 1),
          }
          rows.push(row)
          console.log(`WS ${JSON.stringify(row)}`)
          expect(row.greeted).toBe(step)
        }
      } finally {
        for (const socket of sockets) socket.socket.terminate()
      }
      results.webSockets = { base: memoryMiB(base), rows }
      printed.push(
        table(
          [
            'Idle /ws held',
            'greeted',
            'opened in (s)',
            'RSS (MiB)',
            'RSS per 1,000 (MiB)',
            'heap per 1,000 (MiB)',
            'POST p50 / max (ms)',
            'tiny job p50 / max (ms)',
          ],
          rows.map((row) => [
            row.held,
            row.greeted,
            row.openSeconds,
            row.rssMiB,
            row.rssPer1000MiB,
            row.heapPer1000MiB,
            `${row.postP50} / ${row.postMax}`,
            `${row.jobP50} / ${row.jobMax}`,
          ]),
        ),
      )
    })
  })

function memoryMiB(memory: MemoryFigures) {
  return {
    heapUsedMiB: round(memory.heapUsed / 2 ** 20, 2),
    rssMiB: round(memory.rss / 2 ** 20, 1),
    externalMiB: round(memory.external / 2 ** 20, 2),
    unfinished: memory.unfinished,
    collected: memory.collected,
  }
}

if (PARTS.includes('memory'))
  it('memory per 10,000 finished jobs', { timeout: 600_000 }, async () => {
    const cluster = await startSimCluster([{}, {}, {}, {}], { timeScale: 1 })
    const gateway = await GatewayProcess.start(bundle, { urls: [...cluster.urls] })
    try {
      const clear = () =>
        fetch(`${gateway.url}/history`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ clear: true }),
        })
      const clients = 50
      await offerLoad(gateway.url, { clients, jobs: 200, warmup: 0 })
      await clear()
      const snapshot = async (name: string) =>
        HEAP_DIFF ? gateway.heapSnapshot(join(tmpdir(), `gateway-bench-${name}.heapsnapshot`)) : ''
      const snapshots = { base: await snapshot('base'), full: '', cleared: '' }
      const steps: Array<{ step: string; memory: MemoryFigures; seconds?: number }> = [
        { step: 'after 200 warm-up jobs, history cleared', memory: await gateway.memory() },
      ]
      for (let round_ = 1; round_ <= MEMORY_ROUNDS; round_++) {
        const started = performance.now()
        const shape = { clients, jobs: MEMORY_JOBS, warmup: 0 }
        const phase = `${clients} clients, closed loop, ${round_ === 1 ? 'history filling' : 'history full'}`
        await profiled(gateway, phase, () => offerLoad(gateway.url, shape))
        steps.push({
          step: `after ${round_ * MEMORY_JOBS} more jobs`,
          memory: await gateway.memory(),
          seconds: round((performance.now() - started) / 1000, 1),
        })
        if (round_ === 1) snapshots.full = await snapshot('full')
      }
      await clear()
      steps.push({ step: 'history cleared', memory: await gateway.memory() })
      snapshots.cleared = await snapshot('cleared')
      const growth = HEAP_DIFF
        ? {
            [`${MEMORY_JOBS} jobs in history (after round 1 − base)`]: heapGrowth(
              snapshots.base,
              snapshots.full,
            ),
            'left after history cleared (− base)': heapGrowth(snapshots.base, snapshots.cleared),
          }
        : {}
      const first = steps[0]!.memory
      const rows = steps.map(({ step, memory, seconds }) => ({
        step,
        ...memoryMiB(memory),
        heapOverBaseMiB: round((memory.heapUsed - first.heapUsed) / 2 ** 20, 2),
        rssOverBaseMiB: round((memory.rss - first.rss) / 2 ** 20, 1),
        ...(seconds === undefined ? {} : { seconds }),
      }))
      const perTenThousand = round(
        (((steps[1]!.memory.heapUsed - first.heapUsed) / MEMORY_JOBS) * 10_000) / 2 ** 20,
        2,
      )
      results.memory = { jobs: MEMORY_JOBS, heapPer10000JobsMiB: perTenThousand, rows, growth }
      console.log(`MEMORY ${JSON.stringify(results.memory)}`)
      printed.push(
        `${table(
          [
            'Gateway process',
            'heap used (MiB)',
            'heap over base (MiB)',
            'RSS (MiB)',
            'RSS over base (MiB)',
            'unfinished',
            'took (s)',
          ],
          rows.map((row) => [
            row.step,
            row.heapUsedMiB,
            row.heapOverBaseMiB,
            row.rssMiB,
            row.rssOverBaseMiB,
            row.unfinished,
            row.seconds ?? '—',
          ]),
        )}\nheap per 10,000 finished jobs: ${perTenThousand} MiB (${first.collected ? 'after gc()' : 'no --expose-gc: not collected first'})`,
        ...Object.entries(growth).map(
          ([what, kinds]) =>
            `heap growth by kind, ${what}: ${kinds
              .slice(0, 12)
              .map((kind) => `${kind.kind} ${kind.count} × → ${round(kind.bytes / 2 ** 20, 2)} MiB`)
              .join('; ')}`,
        ),
      )
      expect(steps.at(-1)!.memory.unfinished).toBe(0)
    } finally {
      await gateway.stop()
      await cluster.close()
    }
  })
