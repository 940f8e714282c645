import type { ChaosKind, startChaos } from '@comfy-balancer/testkit'
import type { SimCluster } from '@comfy-balancer/testkit/sim'
import type { JobRecord } from './report.js'

type Chaos = ReturnType<typeof startChaos>
type Run = { server: string; outcome: string; start: number; end: number | undefined }

/** What the soak learns from the servers' own logs about the jobs it ran. */
export interface Verdict {
  readonly executions: { total: number; success: number; lost: number; interrupted: number; error: number }
  readonly duplicated: number
  readonly startedOnTwoServers: number
  readonly duplicateDetails: string[]
  readonly lost: number
  /** Arrival to the end of the successful run, per job that succeeded (simulated ms). */
  readonly latencies: number[]
  readonly errors: Record<string, number>
  readonly errorCauses: Record<string, number>
  readonly unexplained: number
  readonly untyped: number
}

/**
 * Judges a soak run from what the servers say they ran: duplicates (each explained where a known
 * cause fits), lost jobs (never settled, or "succeeded" with no successful run on the server named),
 * and every typed error, explained by the fault behind it.
 */
export function judge(run: {
  readonly sims: SimCluster['sims']
  readonly jobs: readonly JobRecord[]
  readonly expected: number
  readonly chaos: Chaos
  readonly serverName: ReadonlyMap<string, string>
  readonly t0: number
}): Verdict {
  const { jobs, chaos, serverName, t0 } = run
  // ── What the servers say they ran ───────────────────────────────────────────
  const runs = new Map<string, Run[]>()
  const executions = { total: 0, success: 0, lost: 0, interrupted: 0, error: 0 }
  for (const sim of run.sims) {
    for (const entry of sim.log) {
      executions.total += 1
      const outcome = entry.outcome ?? 'running'
      if (outcome in executions) executions[outcome as 'success'] += 1
      const list = runs.get(entry.promptId) ?? []
      list.push({ server: sim.name, outcome, start: entry.startedAt, end: entry.endedAt })
      runs.set(entry.promptId, list)
    }
  }
  let duplicated = 0
  let startedOnTwoServers = 0
  const duplicateDetails: string[] = []
  for (const [promptId, list] of runs) {
    const completed = list
      .filter((run) => run.outcome === 'success' || run.outcome === 'error')
      .sort((a, b) => a.start - b.start)
    if (completed.length > 1) {
      duplicated += 1
      const job = jobs.find((j) => j.promptId === promptId)
      if (duplicateDetails.length < 10) {
        const err = job?.error as { code?: string; message?: string } | undefined
        const around = (name: string, at: number) =>
          chaos
            .during(name, at - 60_000, at + 60_000)
            .map(
              (e) =>
                `${e.kind}@${Math.round(e.at - t0)}..${e.until === undefined ? '?' : Math.round(e.until - t0)}`,
            )
            .join(',')
        duplicateDetails.push(
          `${promptId} strict ${job?.strict} seen started ${job?.started} arrived ${job ? Math.round(job.arrival - t0) : '?'} settled ${job?.settledAt === undefined ? '?' : Math.round(job.settledAt - t0)} ` +
            `${job?.result ? `ok on ${serverName.get(job.result.serverId)} attempts ${job.result.attempts}` : `error ${err?.code} ${err?.message}`}; runs: ` +
            list
              .map(
                (r) =>
                  `${r.server}:${r.outcome}@${Math.round(r.start - t0)}..${r.end === undefined ? '?' : Math.round(r.end - t0)} [${around(r.server, r.start)}]`,
              )
              .join(' | '),
        )
      }
    }
    if (new Set(list.map((run) => run.server)).size > 1) startedOnTwoServers += 1
  }
  duplicated += jobs.filter((job) => job.settles > 1).length
  const okIds = jobs.flatMap((job) => (job.result ? [job.result.promptId] : []))
  duplicated += okIds.length - new Set(okIds).size

  // ── Lost: never settled, or "succeeded" without a successful run on the server it names ──
  let lost = run.expected - jobs.filter((job) => job.settles > 0).length
  const latencies: number[] = []
  for (const job of jobs) {
    if (!job.result) continue
    const owner = serverName.get(job.result.serverId)
    const run = runs.get(job.result.promptId)?.find((r) => r.server === owner && r.outcome === 'success')
    if (run === undefined) lost += 1
    else latencies.push(run.end! - job.arrival)
  }

  // ── Every typed error, explained by the fault behind it ─────────────────────
  const errors: Record<string, number> = {}
  const errorCauses: Record<string, number> = {}
  let unexplained = 0
  let untyped = 0
  for (const job of jobs) {
    if (job.error === undefined) continue
    const error = job.error as {
      code?: string
      serverId?: string
      promptId?: string
      attempts?: Array<{ serverId: string }>
    }
    const code = typeof error.code === 'string' ? error.code : 'UNTYPED'
    if (code === 'UNTYPED') untyped += 1
    errors[code] = (errors[code] ?? 0) + 1
    const cause = explain(job, error, runs, serverName, chaos)
    if (cause === undefined || cause.startsWith('UNEXPLAINED')) unexplained += 1
    const message = (job.error as { message?: unknown }).message
    const key = `${code}: ${cause ?? `UNEXPLAINED (${String(message).slice(0, 300)})`}`
    errorCauses[key] = (errorCauses[key] ?? 0) + 1
  }
  return {
    executions,
    duplicated,
    startedOnTwoServers,
    duplicateDetails,
    lost,
    latencies,
    errors,
    errorCauses,
    unexplained,
    untyped,
  }
}

/** Why a job ended with a typed error, from the servers' logs and the fault schedule; undefined if nothing explains it. */
function explain(
  job: JobRecord,
  error: { code?: string; serverId?: string; promptId?: string; attempts?: Array<{ serverId: string }> },
  runs: Map<string, Array<{ server: string; outcome: string }>>,
  serverName: ReadonlyMap<string, string>,
  chaos: Chaos,
): string | undefined {
  const from = job.arrival
  const to = job.settledAt ?? Number.MAX_SAFE_INTEGER
  const promptId = error.promptId ?? job.promptId
  const faultsOn = (serverId: string | undefined): ChaosKind[] => {
    const name = serverId === undefined ? undefined : serverName.get(serverId)
    return name === undefined ? [] : [...new Set(chaos.during(name, from, to).map((e) => e.kind))]
  }
  const ran = promptId === undefined ? [] : (runs.get(promptId) ?? [])
  switch (error.code) {
    case 'JOB_LOST': {
      const kinds = faultsOn(error.serverId)
      if (ran.some((run) => run.outcome === 'lost')) {
        if (job.strict) return 'its server crashed while running it (rerunIfLost: false)'
        // By default a run that died with its process runs again, unless its fate was not watched.
        if (kinds.includes('crash') || kinds.includes('restart'))
          return `its server restarted while running it, and a gap in its events left its fate unknown (${kinds.join('+')})`
        return undefined
      }
      if (kinds.length === 0) return undefined
      if (ran.length === 0) {
        // It never ran, but a restart during a gap in its events could have wiped a finished run.
        if (kinds.includes('crash') || kinds.includes('restart'))
          return `its server restarted while its events were not watched: whether it ran could not be known (${kinds.join('+')})`
        return `UNEXPLAINED: reported lost but never started (faults: ${kinds.join('+')})`
      }
      return `its server was unreachable after it started (${kinds.join('+')})`
    }
    case 'JOB_FAILED': {
      if (ran.some((run) => run.outcome === 'interrupted')) return 'interrupted on its server'
      const kinds = faultsOn(error.serverId)
      return kinds.length > 0 ? `its server failed it under ${kinds.join('+')}` : undefined
    }
    case 'SUBMIT_FAILED': {
      const tried = error.attempts?.map((attempt) => attempt.serverId) ?? []
      const kinds = [...new Set(tried.flatMap((id) => faultsOn(id)))]
      if (kinds.length > 0) return `every server it tried was faulted (${kinds.join('+')})`
      // The retry budget is cluster-wide: faults anywhere while the job waited may have spent it.
      if (String((error as { message?: unknown }).message).includes('retry budget is spent')) {
        const anywhere = [...new Set([...serverName.keys()].flatMap((id) => faultsOn(id)))]
        if (anywhere.length > 0)
          return `the cluster-wide retry budget was spent during faults (${anywhere.join('+')})`
      }
      return undefined
    }
    default:
      return undefined
  }
}
