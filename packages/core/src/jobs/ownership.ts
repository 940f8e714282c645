import type { Clock } from '../contracts/clock.js'
import { ExpiringMap } from '../util/expiring-map.js'
import type { ComfyPrompt, SubmitOptions } from './types.js'

/** What the balancer remembers about a prompt it placed. */
export interface OwnedJob {
  readonly promptId: string
  /** The server that holds the prompt now. */
  serverId: string
  /** Kept so a prompt lost before it ran can be placed again. */
  readonly prompt: ComfyPrompt
  readonly options: SubmitOptions
  /** Times placed (1 + resubmissions). */
  attempts: number
  /** The server was seen running it: it is never resubmitted after this. */
  started: boolean
  /** Clock time (ms) the owner last answered about it. */
  lastSeenAt: number
  /**
   * The server and WebSocket epoch in which the owner last said the job was unfinished, with that
   * socket open throughout: every later message about it arrives over that socket.
   */
  watch?: { readonly serverId: string; readonly epoch: number } | undefined
  readonly createdAt: number
}

/**
 * Which server owns which prompt. Bounded: the oldest entries go first beyond `maxEntries`, and
 * entries are dropped once their result was read (or after `ttlMs`), so memory does not grow with
 * the number of jobs.
 */
export class OwnershipMap {
  readonly #entries: ExpiringMap<string, OwnedJob>

  constructor(clock: Pick<Clock, 'now'>, maxEntries = 10_000, ttlMs = 3_600_000) {
    this.#entries = new ExpiringMap(clock, { ttlMs, maxEntries })
  }

  get size(): number {
    return this.#entries.size
  }

  get(promptId: string): OwnedJob | undefined {
    return this.#entries.get(promptId)
  }

  add(job: OwnedJob): void {
    this.#entries.set(job.promptId, job)
  }

  delete(promptId: string): void {
    this.#entries.delete(promptId)
  }
}
