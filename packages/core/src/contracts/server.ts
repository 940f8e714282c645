/** Whether a server may be chosen. `unknown` until its first probe has answered. */
export type Health = 'healthy' | 'unhealthy' | 'unknown'

/** Where a queue reading came from. */
export type QueueSource = 'queue' | 'prompt' | 'ws'

/**
 * What is known of a server's queue. ComfyUI runs one prompt at a time, so `running` is 0 or 1.
 * From `GET /prompt` only the total is known; it is split as one running and the rest pending.
 */
export type QueueState =
  | {
      readonly known: true
      readonly running: number
      readonly pending: number
      readonly source: QueueSource
    }
  | {
      /**
       * The queue could not be read although the server is up (the original design's rule):
       * strategies treat it as an empty queue. `reason` says why it could not be read.
       */
      readonly known: false
      readonly treatedAs: 0
      readonly reason: string
    }

/** One entry of a server's bounded failure history. */
export interface FailureRecord {
  /** When it happened, by the balancer's clock (ms). */
  readonly at: number
  /** What went wrong, already redacted. */
  readonly reason: string
  /**
   * `probe` when a health or queue probe failed; `reported` when the app called `recordFailure`;
   * `observed` when the balancer saw it while placing or following a job (an error answer, a
   * refused connection, a failed job, a stall, flapping).
   */
  readonly kind: 'probe' | 'reported' | 'observed'
}

/** What a server can run, from its `/object_info`: the counts a status page shows ("412 nodes · 7 checkpoints"). */
export interface CapabilitySummary {
  /** Node classes it has. */
  readonly nodes: number
  /** Distinct model files across every loader input. */
  readonly models: number
  /** Files `CheckpointLoaderSimple.ckpt_name` accepts (0 when it lacks the class). */
  readonly checkpoints: number
  /** When they were read (ms, balancer clock). */
  readonly readAt: number
}

/**
 * What a server holds in VRAM and how long it takes to load each model, as the balancer infers
 * them: ComfyUI has no "loaded models" route, so `held` follows the models of the prompts it was
 * given (the latest last) and `loadMs` the loader nodes' observed run times.
 */
export interface ModelState {
  /** Models its recent prompts loaded, least recently used first, at most `slots` of them. */
  readonly held: readonly string[]
  /** How many models it keeps loaded at once (the config's `modelSlots`, or learned). */
  readonly slots: number
  /** Observed load time per model (ms), smoothed. */
  readonly loadMs: Readonly<Record<string, number>>
}

/** A server as configured, after validation and defaults. */
export interface ServerConfig {
  /** Stable identity; derived from the URL's host, port and path when not given. */
  readonly id: string
  /** Base URL without a trailing slash, exactly as configured (may hold credentials: never log it). */
  readonly url: string
  /** A human name for status pages. Defaults to the id. */
  readonly name: string
  /** 0 is the primary; lower wins ties. Defaults to the position in the list. */
  readonly priority: number
  /** Relative capacity for weighted strategies (≥ 0). Defaults to 1. */
  readonly weight: number
  /** Extra request headers (e.g. `Authorization`). Never logged, never in snapshots. */
  readonly headers: Readonly<Record<string, string>>
  /** Free labels for filtering (e.g. `sdxl`, `a100`). */
  readonly tags: readonly string[]
  /** The server is skipped while its known queue holds at least this many prompts. */
  readonly maxQueue?: number
  /** How many models its GPU keeps loaded at once, if known (a hint; otherwise learned from 1). */
  readonly modelSlots?: number
}

/**
 * What the balancer knows about one server right now. Immutable: a new object replaces it on
 * every change, so `===` tells whether anything changed. Holds no secrets: `url` is redacted and
 * headers are left out, so a snapshot is safe to log or show.
 */
export interface ServerSnapshot {
  readonly id: string
  /** The base URL with any credentials replaced by `***`. */
  readonly url: string
  readonly name: string
  readonly priority: number
  readonly weight: number
  readonly tags: readonly string[]
  readonly maxQueue?: number | undefined
  /** Position in the configured list (for stable tie-breaks). */
  readonly index: number
  readonly health: Health
  /** Why the server is unhealthy (the last failure's reason), when it is. */
  readonly healthReason?: string | undefined
  readonly queue: QueueState | 'unknown'
  /** Jobs this balancer handed out that the last probe has not yet counted. */
  readonly inFlight: number
  /** Smoothed probe round trip (ms), once any probe has answered. */
  readonly latencyMs?: number | undefined
  /** Smoothed observed job duration (ms) on this server, once any job was timed. */
  readonly jobMs?: number | undefined
  /** When the prompt it is running now started (ms), when the server pushed that (probe mode `ws`). */
  readonly runningSince?: number | undefined
  /** Until when this server holds the selection lock (ms), when it does. */
  readonly lockedUntil?: number | undefined
  /** Recent failures, oldest first, bounded. */
  readonly failures: readonly FailureRecord[]
  /** Failures since the last success. */
  readonly consecutiveFailures: number
  /** When the last probe of this server finished (ms), once one has. */
  readonly checkedAt?: number | undefined
  /**
   * Until when outlier logic holds this server out (ms): it failed jobs in a row, stalled or
   * flapped. It stays unhealthy until then even if probes answer, and is re-probed after.
   */
  readonly ejectedUntil?: number | undefined
  /** What it can run, once its `/object_info` was read. */
  readonly capabilities?: CapabilitySummary | undefined
  /** The models it holds and how long loading each took there, once it ran a prompt that loads one. */
  readonly models?: ModelState | undefined
}

/** The number of prompts ahead of a new job on this server, as strategies should count it. */
export function queueLength(server: Pick<ServerSnapshot, 'queue' | 'inFlight'>): number {
  const queue = server.queue
  const known = queue === 'unknown' || !queue.known ? 0 : queue.running + queue.pending
  return known + server.inFlight
}
