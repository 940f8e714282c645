import { fleetMedianJobMs, jobEstimateMs } from '../balancer/job-estimate.js'
import { type ModelState, queueLength, type ServerSnapshot } from '../contracts/server.js'
import {
  type FleetLoads,
  fleetLoads,
  heldAfter,
  NO_FLEET_LOADS,
  switchCostMs,
} from '../models/model-state.js'

/** One server as the planner sees it. */
export interface PlanServer {
  readonly id: string
  /** Prompts on it now, running and queued (including jobs handed out the last reading missed). */
  readonly ahead: number
  /** Estimated time left on the prompt it is running (ms); 0 when idle. */
  readonly runningLeftMs: number
  /** Estimated time one job takes there (ms). */
  readonly jobMs: number
  /**
   * True while no job was timed there (`jobMs` is the fleet's guess): it gets work only when idle,
   * because queueing a job behind a running one bets on a speed nobody measured yet.
   */
  readonly guessed?: boolean
  /** The models it holds and its load times, once it ran a prompt that loads one. */
  readonly models?: ModelState | undefined
}

/** One waiting job, in the order jobs should be served. */
export interface PlanJob {
  readonly key: number
  allowed(serverId: string): boolean
  /** The model files it loads: a server that does not hold them pays their load time first. */
  readonly models?: readonly string[]
}

/** How the planner trades finishing each job soonest against keeping every GPU busy. */
export interface PlanOptions {
  /** Prompts a server may hold waiting behind its running one. */
  readonly maxPending: number
  /**
   * Hold a job for a busy server only when it would finish there at least this share sooner than
   * on the best server free now (0: whenever it is sooner at all). Holding idles the free GPU, so a
   * margin keeps steady loads flowing while still saving a burst's big jobs for fast GPUs.
   */
  readonly holdMargin: number
  /** Also send a server its next job when its running one should end within this many ms. */
  readonly leadMs: number
  /**
   * How much a model load weighs on the jobs behind it: a load on a server delays every job that
   * will run after it there, so with a line waiting a load costs its time × this × the jobs of the
   * line that server is expected to take (its share of the fleet's job rate). 0 (the default here):
   * each job goes where it finishes first, whatever its load costs the others.
   */
  readonly loadPressure?: number
}

/**
 * Late binding: for each waiting job in order, where it would *finish* first — counting the work
 * already on each server and the jobs planned ahead of it in this pass — and whether to send it now
 * or hold it for a busy server. Jobs held for one server do not hold up jobs best served by another.
 * Pure: the same inputs give the same plan.
 */
export function planDispatch(
  jobs: readonly PlanJob[],
  servers: readonly PlanServer[],
  options: PlanOptions,
  /** Load times across the fleet; with none, models cost nothing (model-blind). */
  fleet: FleetLoads = NO_FLEET_LOADS,
): Array<{ readonly key: number; readonly serverId: string }> {
  const planned = new Map<string, number>()
  // Load time the jobs planned on each server in this pass add before a later one can start.
  const plannedSwitch = new Map<string, number>()
  // What each server will hold once the jobs planned on it in this pass ran, in order.
  const held = new Map<string, readonly string[]>()
  const heldOn = (server: PlanServer) => held.get(server.id) ?? server.models?.held ?? []
  const now: Array<{ key: number; serverId: string }> = []
  const canTakeNow = (server: PlanServer) => {
    const before = planned.get(server.id) ?? 0
    if (server.ahead + before <= (server.guessed ? 0 : options.maxPending)) return true
    return (
      options.leadMs > 0 &&
      before === 0 &&
      server.ahead === options.maxPending + 1 &&
      server.runningLeftMs <= options.leadMs
    )
  }
  // Each server's share of the fleet's throughput: the share of the jobs behind that will run there.
  const rate = servers.reduce((sum, server) => sum + 1 / server.jobMs, 0)
  for (const [index, job] of jobs.entries()) {
    const behind = (jobs.length - index - 1) * (options.loadPressure ?? 0)
    let best: PlanServer | undefined
    let bestFinish = Number.POSITIVE_INFINITY
    let bestSwitch = 0
    let free: PlanServer | undefined
    let freeFinish = Number.POSITIVE_INFINITY
    let freeSwitch = 0
    for (const server of servers) {
      if (!job.allowed(server.id)) continue
      const switchMs = switchCostMs(server.models, heldOn(server), job.models, fleet)
      // A load delays every job that later runs there; without this a fast GPU, first to finish
      // even after a load, loads for every job it takes and spends a third of a busy hour loading.
      const delayed = switchMs > 0 ? (switchMs * behind) / (server.jobMs * rate) : 0
      const finish =
        finishMs(server, planned.get(server.id) ?? 0) +
        (plannedSwitch.get(server.id) ?? 0) +
        switchMs +
        delayed
      if (finish < bestFinish) {
        best = server
        bestFinish = finish
        bestSwitch = switchMs
      }
      if (finish < freeFinish && canTakeNow(server)) {
        free = server
        freeFinish = finish
        freeSwitch = switchMs
      }
    }
    if (!best) continue
    // The margin keeps an idle GPU working rather than idle; one that would first load a model for
    // this job spends that time on a switch a busy GPU holding the model does not need: no margin.
    const margin = freeSwitch > 0 ? 0 : options.holdMargin
    const target = canTakeNow(best) ? best : free && bestFinish > freeFinish * (1 - margin) ? free : undefined
    const chosen = target ?? best
    planned.set(chosen.id, (planned.get(chosen.id) ?? 0) + 1)
    // Already worked out in the loop above: the chosen server is the best or the free one.
    const chosenSwitch = chosen === best ? bestSwitch : freeSwitch
    if (chosenSwitch > 0) plannedSwitch.set(chosen.id, (plannedSwitch.get(chosen.id) ?? 0) + chosenSwitch)
    if (job.models !== undefined && job.models.length > 0)
      held.set(chosen.id, heldAfter(heldOn(chosen), job.models, chosen.models?.slots ?? 1))
    if (target) now.push({ key: job.key, serverId: target.id })
  }
  return now
}

/** When a job placed behind `extra` more planned jobs would finish, from now (ms). */
function finishMs(server: PlanServer, extra: number): number {
  const queued = Math.max(0, server.ahead - 1) + extra
  const start = server.ahead > 0 ? server.runningLeftMs + queued * server.jobMs : extra * server.jobMs
  return start + server.jobMs
}

/** What the dispatcher knows of one server beyond its snapshot. */
export interface PlanInput {
  readonly server: ServerSnapshot
  /** Our jobs being handed to it right now (the snapshot cannot count them yet). */
  readonly outstanding: number
  /** When our job on it was seen starting, if one was. */
  readonly ourStartAt: number | undefined
}

/** The planner's view of candidate servers: work ahead, time left on the running prompt, job time. */
export function planServers(inputs: readonly PlanInput[], now: number): PlanServer[] {
  const median = fleetMedianJobMs(inputs.map((input) => input.server))
  return inputs.map(({ server, outstanding, ourStartAt }) => {
    const guessed = !(server.jobMs !== undefined && server.jobMs > 0)
    // A hand-over under way is in no reading yet (the balancer counts it once its POST answered).
    const ahead = queueLength(server) + outstanding
    // Pushed starts (any prompt) beat our own record (our prompts only); else assume half a job left.
    const startedAt = ahead === 0 ? undefined : (server.runningSince ?? ourStartAt)
    const running = startedAt === undefined ? 0 : now - startedAt
    // Nothing timed there yet: its first job, still running, already says a job takes at least that.
    const jobMs = guessed ? Math.max(jobEstimateMs(server, median), running) : jobEstimateMs(server, median)
    const runningLeftMs =
      ahead === 0 ? 0 : startedAt === undefined ? jobMs / 2 : Math.max(jobMs * 0.1, jobMs - running)
    return { id: server.id, ahead, runningLeftMs, jobMs, guessed, models: server.models }
  })
}

/** The fleet's load times, from the servers' snapshots. */
export function planFleetLoads(servers: readonly ServerSnapshot[]): FleetLoads {
  return fleetLoads(servers.map((server) => server.models))
}
