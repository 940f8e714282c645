import type { EventHub } from '../balancer/events.js'
import type { Lease } from '../balancer/options.js'
import type { Observation } from '../balancer/outlier.js'
import type { JobFit } from '../capabilities/job-fit.js'
import type { JobSettings } from '../config/types.js'
import type { Clock } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { JobHints } from '../contracts/strategy.js'
import type { JobTarget } from './comfy-client.js'

/** What the job API needs from the balancer that owns it. */
export interface JobHost {
  readonly clock: Clock
  readonly random: () => number
  readonly logger: Logger
  readonly events: EventHub
  /** The balancer's ComfyUI `client_id`: every job's events go to this id. */
  readonly clientId: string
  settings(): JobSettings
  newPromptId(): string
  /** A lease on a server for `job`; `planned`: already planned on the current snapshot (no refresh wait). */
  acquire(job: JobHints | undefined, planned?: boolean): Promise<Lease>
  /** Where to send requests for a server, or undefined when it left the config. */
  target(serverId: string): JobTarget | undefined
  /** What a request or a job showed of a server (outlier detection). */
  observe(serverId: string, observation: Observation): void
  recordJobDuration(serverId: string, durationMs: number): void
  /** Where a job can run (each server's `/object_info`) and which models it loads there. */
  readonly fit: JobFit
  /** Every configured server's id. */
  serverIds(): readonly string[]
  /** A prompt that loads `models` was accepted by the server. */
  assigned(serverId: string, models: readonly string[]): void
  /** A loader node for `model` ran for `ms` on the server, or was served from its cache (`undefined`). */
  modelLoaded(serverId: string, model: string, ms: number | undefined): void
  /** Shares where a prompt lives with other app instances (a no-op without a state store). */
  shareOwner(promptId: string, serverId: string): void
  /** Where another app instance placed a prompt, if a shared state store knows. */
  findOwner(promptId: string): Promise<string | undefined>
  /** True while the server pushes job events over an open WebSocket. */
  pushes(serverId: string): boolean
  /** The epoch of the server's open WebSocket (one per successful open), if one is open. */
  socketEpoch(serverId: string): number | undefined
  /**
   * Whether every message the server pushed during socket epoch `epoch` has arrived and nothing ran
   * there after it: `open` (still open), `died` (it closed and the next connection attempt failed),
   * else `unknown`.
   */
  watchedThrough(serverId: string, epoch: number): 'open' | 'died' | 'unknown'
  /**
   * Listens to pushed messages about one prompt (a no-op without WebSockets), those that came before
   * it listened first; `at` is when each arrived, `epoch` the socket connection it came over.
   */
  onPrompt(
    promptId: string,
    listener: (
      type: string,
      data: Record<string, unknown>,
      serverId: string,
      at: number,
      epoch: number | undefined,
    ) => void,
  ): () => void
}
