import type { JobHints } from '../contracts/strategy.js'
import type { RequestTarget } from '../util/request-target.js'

/** A ComfyUI prompt in API format: `{ nodeId: { class_type, inputs } }`. */
export type ComfyPrompt = Readonly<Record<string, unknown>>

/**
 * How a job meets its server. `'late'` (the default): the job waits in the app, in `job.priority` order,
 * and is handed to a server when one has room, where it will finish soonest by the per-server
 * job-time estimates — a fast GPU that frees up first takes the next job. `'early'`: the strategy
 * chooses a server and the prompt is POSTed at once, for apps that need it queued on a server now.
 */
export type Binding = 'late' | 'early'

/** Options for one submission. */
export interface SubmitOptions {
  /**
   * `'late'` (default) or `'early'`: see {@link Binding}. A job with `server` set is early-bound:
   * its server is chosen already.
   */
  readonly binding?: Binding
  /**
   * Hard constraints and wishes: include/exclude server ids, tags, priority. Late binding sends
   * jobs of larger `job.priority` first (equal ones in arrival order).
   */
  readonly job?: JobHints
  /** Cancels the submission (and, in `run`, the wait for the result). */
  readonly signal?: AbortSignal
  /** Your own prompt id: a lowercase hyphenated UUID (ComfyUI 0.25+ requires that form). Default: a new one. */
  readonly promptId?: string
  /** Extra data stored with the job (`extra_pnginfo`, …). `client_id` is set by the balancer. */
  readonly extraData?: Readonly<Record<string, unknown>>
  /** Jump the server's queue (ComfyUI's `front`). */
  readonly front?: boolean
  /**
   * Called each time the prompt is about to be POSTed on a server, once that server is chosen:
   * put there what the prompt needs first (an uploaded input image, say). A rejection is a failed
   * hand-over to that server: the prompt goes to another one, as after a failed POST.
   */
  readonly beforePost?: (server: { readonly id: string; readonly target: RequestTarget }) => Promise<void>
  /** How many servers to try at most. Default from config (`jobs.maxAttempts`, 3). */
  readonly maxAttempts?: number
  /**
   * What to do with a job whose server lost it after it started.
   * - unset (the default): run it again elsewhere when that is provably safe — the server came back
   *   without it and the balancer watched it over the server's WebSocket until its process died (a
   *   run cannot continue after that, so the job never runs twice at once). A lost job whose fate
   *   cannot be known (the socket was down in between, or the server stays silent past
   *   `jobs.lostAfterMs`) rejects with `JOB_LOST`, as it may have finished there.
   * - `true`: also run it again when its fate cannot be known (idempotent workflows).
   * - `false`: strict at-most-once: a job that may have started is never run again (`JOB_LOST`).
   * A job proven never to have started is placed again in every case.
   */
  readonly rerunIfLost?: boolean
  /**
   * In `run()`: when the job fails on its server (ComfyUI's `execution_error`, or an interruption you
   * did not ask for), run the same prompt again, under a new prompt id, on a server it has not failed
   * on — up to `maxAttempts` runs, drawing on the retry budget. Failing on two different servers is
   * the workflow's fault: the `JobError` then lists each server's exception (`failures`). Default
   * true; set false for workflows with side effects. A 400 (invalid workflow) is never retried.
   */
  readonly retryFailed?: boolean
  /**
   * This submission retries a job that failed before (your own retry loop, or late binding putting
   * a job back): it draws on the balancer's retry budget instead of counting as new work, so
   * retries stay a bounded share of traffic when the whole cluster fails.
   */
  readonly isRetry?: boolean
  /**
   * Send the prompt to this server (an id) at once rather than choose one (late binding uses it
   * when it hands a job over). Only the first placement is bound to it; a prompt the server loses before
   * running it is placed again by the usual rules (`job` hints), not pinned to the server that lost it.
   */
  readonly server?: string
}

/** Where a prompt was queued. */
export interface Submission {
  readonly promptId: string
  readonly serverId: string
  /** The owner's real base URL: fetch outputs there (`viewUrl` builds the link). */
  readonly url: string
  /** ComfyUI's queue number for the prompt. */
  readonly number: number | undefined
  /** Validation warnings for outputs ComfyUI dropped (200 with non-empty `node_errors`). */
  readonly nodeErrors: Readonly<Record<string, unknown>>
}

/** One output file as ComfyUI lists it (`SaveImage` and friends). */
export interface OutputFile {
  readonly filename: string
  readonly subfolder: string
  readonly type: string
}

/** A finished job. */
export interface JobResult {
  readonly promptId: string
  readonly serverId: string
  /** The owner's real base URL. */
  readonly url: string
  /** ComfyUI's `outputs`: node id → UI data (`{ images: OutputFile[] }`, …). */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  /** Execution time on the server (ms), from its own timestamps, when it reported them. */
  readonly durationMs: number | undefined
  /** How many times the job was (re)submitted before it ran. */
  readonly attempts: number
}

/** Something that happened to a job, as `watch()` and `onProgress` report it. */
export type JobEvent =
  | { readonly type: 'queued'; readonly promptId: string; readonly serverId: string }
  | { readonly type: 'started'; readonly promptId: string; readonly serverId: string }
  | {
      readonly type: 'progress'
      readonly promptId: string
      readonly serverId: string
      readonly value: number
      readonly max: number
      readonly node?: string
    }
  | {
      readonly type: 'resubmitted'
      readonly promptId: string
      readonly from: string
      readonly reason: string
    }
  /** Late binding holds the job in the app, and why (`waiting for a server with node class X`). */
  | { readonly type: 'waiting'; readonly promptId: string; readonly reason: string }
  /**
   * A message the job's server pushed about it, as ComfyUI sent it (only with `messages: true`):
   * from the server running it now, under the prompt id it runs as there.
   */
  | {
      readonly type: 'message'
      readonly promptId: string
      readonly serverId: string
      readonly message: PushedMessage
    }

/**
 * One message from a server's WebSocket: a JSON message (`execution_start`, `executing`,
 * `progress`, `executed`, `execution_success`, …) or a binary frame (a preview image while the job
 * runs: ComfyUI's 4-byte big-endian event type, then the payload).
 */
export type PushedMessage =
  | { readonly kind: 'json'; readonly type: string; readonly data: Readonly<Record<string, unknown>> }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }

/** Options for following a job. */
export interface ResultOptions {
  readonly signal?: AbortSignal
  /** Called for every job event (waiting, queued, started, progress, resubmitted). */
  readonly onEvent?: (event: JobEvent) => void
  /**
   * Where the prompt was placed when this balancer did not place it (another process, or your app
   * before a restart): `result()` follows it on that server. A prompt that server no longer has was
   * not watched by this balancer, so whether it ran there cannot be known: it is `JOB_LOST`, unless
   * `prompt` is given with `submit: { rerunIfLost: true }` and not `started: true` — then it is
   * placed again (for a prompt you never saw start, whose POST may never have landed). Ignored for a
   * prompt this balancer knows.
   */
  readonly placedOn?: {
    readonly serverId: string
    readonly prompt?: ComfyPrompt
    readonly submit?: SubmitOptions
    readonly started?: boolean
  }
  /**
   * Also pass `onEvent` every message the server running the job pushes about it (`message`
   * events: JSON messages and binary preview frames, as ComfyUI sent them) — what a proxy needs to
   * relay a job to its own clients. Default false.
   */
  readonly messages?: boolean
}
