import { writeFileSync } from 'node:fs'
import type { LateBindingOptions } from '@comfy-balancer/core'
import { summarize, type WorkItem } from '@comfy-balancer/testkit'
import { afterAll, expect, it } from 'vitest'
import { biomeJson } from '../biome-json.js'
import { type Mode, runMode } from '../run-mode.js'
import { countingRejections, jobRunFigures, type ModelRow, modelTable } from './model-figures.js'
import { modelOracle } from './model-oracle.js'
import { MODEL_SCENARIOS, modelPrompt, modelWorkload, SPEEDS } from './model-scenarios.js'
import { traceOracle, traceRuns } from './model-trace.js'

/**
 * `BENCH_SCENARIOS=models,models-slow,catalog npm run bench:cluster`: issue 16 item 5 — servers
 * that load checkpoints from disk into a few VRAM slots, through `balancer.run()` with every default
 * (`jobs: {}`, `probe: {}`), model-blind and model-aware, against the model-aware oracle. 300 jobs
 * per run, seeds 7, 8, 9 (BENCH_SEEDS), on a simulated clock 50× faster than the wall clock.
 */
const TIME_SCALE = Number(process.env.BENCH_MODELS_TIME_SCALE ?? 0.02)
const JOBS = Number(process.env.BENCH_MODELS_JOBS ?? 300)
const SEEDS = (process.env.BENCH_SEEDS ?? '7,8,9').split(',').map(Number)

/**
 * The model-blind run passes `probe: { capabilities: false }` (no `/object_info`, no capability
 * filter) and `dispatch: { modelAware: false }` (residency ignored); `BENCH_BLIND_OPTIONS=0` runs it
 * with every default instead (then both runs are the model-aware balancer).
 */
const BLIND_OPTIONS = process.env.BENCH_BLIND_OPTIONS !== '0'
/** `BENCH_TRACE`: each job's oracle placement and each server's run log, as lines to compare. */
const TRACE = process.env.BENCH_TRACE !== undefined
/** The model-aware run (core's default) must end with no caller-visible error, catalog included. */
const ASSERT_AWARE = true

/** A way of dispatching, for the model scenarios. */
export interface ModelMode extends Mode {
  readonly modelAware: boolean
}

const blindDispatch: LateBindingOptions = { modelAware: false }
const ALL_MODES: readonly ModelMode[] = [
  {
    name: 'model-blind',
    modelAware: false,
    binding: 'late',
    jobs: {},
    probe: BLIND_OPTIONS ? { capabilities: false } : {},
    ...(BLIND_OPTIONS ? { dispatch: blindDispatch } : {}),
  },
  { name: 'model-aware', modelAware: true, binding: 'late', jobs: {}, probe: {} },
]
/** `BENCH_MODEL_MODES=model-blind`: only these modes. */
const ONLY_MODES = process.env.BENCH_MODEL_MODES?.split(',')
const MODES = ONLY_MODES ? ALL_MODES.filter((mode) => ONLY_MODES.includes(mode.name)) : ALL_MODES

/** Registers the selected model scenarios' tests (one per scenario and seed) and their report. */
export function modelScenarioTests(selected: readonly string[]): void {
  const scenarios = MODEL_SCENARIOS.filter((scenario) => selected.includes(scenario.name))
  if (scenarios.length === 0) return
  const rows: ModelRow[] = []
  afterAll(() => {
    if (rows.length === 0) return
    console.log(
      `\nModel scenarios (blind options ${BLIND_OPTIONS ? 'on' : 'off: both modes are the defaults'}; ASSERT_AWARE ${ASSERT_AWARE})`,
    )
    console.log(`\n${modelTable(rows).join('\n')}\n`)
    writeFileSync(new URL('../results/models.json', import.meta.url), biomeJson(rows))
  })
  for (const scenario of scenarios) {
    for (const seed of SEEDS) {
      it(`${scenario.name}, seed ${seed}: ${MODES.map((m) => m.name).join(', ')} and the oracle`, {
        timeout: 900_000,
      }, async () => {
        const workload = modelWorkload(scenario, JOBS, seed)
        const ideal = modelOracle(
          workload.jobs,
          scenario.servers.map((server) => server.oracle),
        )
        const oracle = summarize(ideal.latencies)
        const oracleLoadsPerJob = ideal.loads.reduce((a, b) => a + b, 0) / workload.jobs.length
        console.log(
          `${scenario.name}, seed ${seed}: ${workload.perMinute.toFixed(2)} jobs/min, oracle mean ${Math.round(oracle.mean)} ms, p95 ${Math.round(oracle.p95)} ms, ${oracleLoadsPerJob.toFixed(2)} loads/job (${Math.round(workload.oracleLoadMs)} ms/job)`,
        )
        if (TRACE) traceOracle(workload.jobs, ideal)
        const items: WorkItem[] = workload.jobs.map((job, index) => ({
          index,
          arrivalMs: job.arrivalMs,
          workMs: job.workMs,
        }))
        for (const mode of MODES) {
          const rejections = new Map<string, number>()
          let figures = { loads: 0, runsPerServer: [] as number[] }
          let rejectedPerServer: number[] = []
          const outcome = await runMode(mode, items, SPEEDS, {
            timeScale: TIME_SCALE,
            specs: scenario.servers.map((server) => server.spec),
            prompt: (item) => modelPrompt(workload.jobs[item.index]!),
            wrapFetch: countingRejections(rejections),
            observe: (sims, t0, jobIds) => {
              figures = jobRunFigures(sims, jobIds)
              if (TRACE) traceRuns(sims, t0)
              rejectedPerServer = sims.map((sim) => rejections.get(new URL(sim.url).origin) ?? 0)
            },
          })
          const row: ModelRow = {
            scenario: scenario.name,
            seed,
            mode: mode.name,
            options: { probe: mode.probe, dispatch: mode.dispatch ?? {} },
            perMinute: Number(workload.perMinute.toFixed(3)),
            mean: Math.round(outcome.mean),
            p95: Math.round(outcome.p95),
            oracleMean: Math.round(oracle.mean),
            oracleP95: Math.round(oracle.p95),
            ratio: Number((outcome.mean / oracle.mean).toFixed(3)),
            ok: outcome.succeeded,
            errors: outcome.typedErrors,
            loadsPerJob: Number((figures.loads / items.length).toFixed(3)),
            oracleLoadsPerJob: Number(oracleLoadsPerJob.toFixed(3)),
            runsPerServer: figures.runsPerServer,
            rejectedPerServer,
            duplicated: outcome.duplicated,
            runTwiceAtOnce: outcome.runTwiceAtOnce,
          }
          rows.push(row)
          console.log(`MODELS ${JSON.stringify(row)}`)
          // Nothing lost, nothing run twice, whatever the mode; errors are the blind mode's figures.
          expect(outcome.settled).toBe(items.length)
          expect(outcome.typedErrors.JOB_LOST ?? 0).toBe(0)
          expect(outcome.duplicated).toBe(0)
          expect(outcome.runTwiceAtOnce).toBe(0)
          if (mode.modelAware && ASSERT_AWARE) expect(outcome.typedErrors).toEqual({})
        }
      })
    }
  }
}
