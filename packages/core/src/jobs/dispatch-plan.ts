/** One server as the planner sees it. */
export interface PlanServer {
  readonly id: string
  /** Prompts on it now, running and queued (including jobs handed out the last reading missed). */
  readonly ahead: number
  /** Estimated time left on the prompt it is running (ms); 0 when idle. */
  readonly runningLeftMs: number
  /** Estimated time one job takes there (ms). */
  readonly jobMs: number
}

/** One waiting job, in the order jobs should be served. */
export interface PlanJob {
  readonly key: number
  allowed(serverId: string): boolean
}

/**
 * Late binding: for each waiting job in order, the server where it would *finish* first — counting
 * the work already there and the jobs planned ahead of it in this pass — and whether that server can
 * take it now (at most `maxPending` prompts waiting behind the running one). A job whose best server
 * is busy waits for it rather than going to a slow idle one, and does not hold up later jobs that
 * are best served elsewhere. Pure: the same inputs give the same plan.
 */
export function planDispatch(
  jobs: readonly PlanJob[],
  servers: readonly PlanServer[],
  maxPending: number,
): Array<{ readonly key: number; readonly serverId: string }> {
  const planned = new Map<string, number>()
  const now: Array<{ key: number; serverId: string }> = []
  for (const job of jobs) {
    let best: PlanServer | undefined
    let bestFinish = Number.POSITIVE_INFINITY
    for (const server of servers) {
      if (!job.allowed(server.id)) continue
      const finish = finishMs(server, planned.get(server.id) ?? 0)
      if (finish < bestFinish) {
        best = server
        bestFinish = finish
      }
    }
    if (!best) continue
    const before = planned.get(best.id) ?? 0
    planned.set(best.id, before + 1)
    if (best.ahead + before <= maxPending) now.push({ key: job.key, serverId: best.id })
  }
  return now
}

/** When a job placed behind `extra` more planned jobs would finish, from now (ms). */
function finishMs(server: PlanServer, extra: number): number {
  const queued = Math.max(0, server.ahead - 1) + extra
  const start = server.ahead > 0 ? server.runningLeftMs + queued * server.jobMs : extra * server.jobMs
  return start + server.jobMs
}
