/** One job as the model-aware oracle sees it. */
export interface ModelJob {
  readonly arrivalMs: number
  /** Work in ms at speed 1. */
  readonly workMs: number
  /** The checkpoint its loader names. */
  readonly model: string
  /** Node classes it needs that not every server has (custom nodes). */
  readonly nodes?: readonly string[]
}

/** One server as the oracle sees it: the simulator's `speed`, `models` and `catalog` options. */
export interface ModelServer {
  readonly speed: number
  /** Model file sizes in bytes; a file not listed loads at once (as on the simulator). */
  readonly sizes: Readonly<Record<string, number>>
  /** Disk read speed in bytes per second. */
  readonly bytesPerSecond: number
  /** How many models VRAM holds at once (least recently used evicted first). */
  readonly vramSlots: number
  /** The model files it has; undefined: every file. */
  readonly models?: readonly string[]
  /** The restricted node classes it has (a job's `nodes` must all be here). */
  readonly nodes?: readonly string[]
}

export interface ModelOracleResult {
  /** Per job, in input order: finish − arrival (ms). */
  readonly latencies: number[]
  /** Per job: model files it loaded from disk (0 or 1). */
  readonly loads: number[]
  /** Per job: the ms it spent loading. */
  readonly loadMs: number[]
  /** Per job: the server it ran on. */
  readonly servers: number[]
}

/**
 * The model-aware offline oracle: one central FIFO queue, each job (in arrival order) to the server
 * where it would finish earliest, among the servers whose catalog has its model and node classes,
 * knowing every job's work, every server's speed, the load time of every model (size ÷ disk speed,
 * not divided by the GPU's speed, as on the simulator) and each server's VRAM: simulated along the
 * jobs it was given, least recently used model evicted first. A job whose model is the previous
 * job's on that server is served from ComfyUI's output cache (no load); the model is then still the
 * most recently used one, so this agrees with the LRU rule. Pure; throws for a job no server can run.
 */
export function modelOracle(jobs: readonly ModelJob[], servers: readonly ModelServer[]): ModelOracleResult {
  const state = servers.map(() => ({
    freeAt: 0,
    held: [] as string[],
    previous: undefined as string | undefined,
  }))
  const result: ModelOracleResult = { latencies: [], loads: [], loadMs: [], servers: [] }
  for (const [index, job] of jobs.entries()) {
    let best: { server: number; finish: number; loaded: boolean; loadMs: number } | undefined
    for (const [s, server] of servers.entries()) {
      if (!canRun(server, job)) continue
      const { freeAt, held, previous } = state[s]!
      const loaded = previous !== job.model && !held.includes(job.model)
      const loadMs = loaded ? loadTime(server, job.model) : 0
      const finish = Math.max(job.arrivalMs, freeAt) + loadMs + job.workMs / server.speed
      if (best === undefined || finish < best.finish) best = { server: s, finish, loaded, loadMs }
    }
    if (best === undefined) throw new Error(`modelOracle: no server can run job ${index} (${job.model})`)
    const { server, finish, loaded, loadMs } = best
    const chosen = state[server]!
    chosen.freeAt = finish
    chosen.previous = job.model
    const held = [...chosen.held.filter((file) => file !== job.model), job.model]
    chosen.held = held.slice(Math.max(0, held.length - servers[server]!.vramSlots))
    result.latencies.push(finish - job.arrivalMs)
    result.loads.push(loaded ? 1 : 0)
    result.loadMs.push(loadMs)
    result.servers.push(server)
  }
  return result
}

/** Milliseconds to read `file` from disk on `server`. */
export function loadTime(server: ModelServer, file: string): number {
  return ((server.sizes[file] ?? 0) / server.bytesPerSecond) * 1_000
}

function canRun(server: ModelServer, job: ModelJob): boolean {
  if (server.models !== undefined && !server.models.includes(job.model)) return false
  return (job.nodes ?? []).every((node) => server.nodes?.includes(node) === true)
}
