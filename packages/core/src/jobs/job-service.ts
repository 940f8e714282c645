import type { Clock } from '../contracts/clock.js'
import { UnknownJobError } from '../errors/job-errors.js'
import { InvalidArgumentError, UnknownServerError } from '../errors/server-errors.js'
import { ExpiringMap } from '../util/expiring-map.js'
import { endpointUrl } from '../util/request-target.js'

/** Defined with the other job errors; re-exported for the entry point until its export moves. */
export { UnknownJobError } from '../errors/job-errors.js'

import type { ComfyClient } from './comfy-client.js'
import { follow } from './follow.js'
import type { JobHost } from './host.js'
import { interruptJob } from './interrupt.js'
import { type OwnedJob, OwnershipMap } from './ownership.js'
import { Placement } from './placement.js'
import { checkPrompt } from './prompt-check.js'
import { SharedFollows } from './shared-follows.js'
import { StaleCopies } from './stale-copies.js'
import type { ComfyPrompt, JobResult, OutputFile, ResultOptions, Submission, SubmitOptions } from './types.js'

type Outcome =
  | { readonly ok: true; readonly value: JobResult }
  | { readonly ok: false; readonly error: unknown }

/**
 * Finished outcomes stay readable for a while, so a remounted view asking again gets the same
 * answer: at most 1,000, each kept ten minutes.
 */
function finishedOutcomes(clock: Pick<Clock, 'now'>): ExpiringMap<string, Outcome> {
  return new ExpiringMap(clock, { ttlMs: 600_000, maxEntries: 1_000 })
}

/**
 * The early-bound job path behind `submit`, `result`, `interrupt` and `viewUrl`: places each prompt
 * on a server at once (safe failover), remembers owners, follows jobs to their outputs, and cleans up
 * copies left on servers it gave up on.
 */
export class JobService {
  readonly #owners: OwnershipMap
  readonly #finished: ExpiringMap<string, Outcome>
  readonly #stale: StaleCopies
  readonly #placement: Placement
  readonly #follows: SharedFollows

  constructor(
    private readonly host: JobHost,
    private readonly client: ComfyClient,
  ) {
    this.#owners = new OwnershipMap(host.clock)
    this.#finished = finishedOutcomes(host.clock)
    this.#stale = new StaleCopies(host, client, (promptId) => this.owner(promptId))
    const onStaleCopy = (serverId: string, promptId: string) => this.#stale.remember(serverId, promptId)
    this.#placement = new Placement(host, client, onStaleCopy)
    const deps = { host, client, placement: this.#placement, onStaleCopy }
    this.#follows = new SharedFollows(
      (job, options) => follow(deps, job, options),
      (promptId, outcome) => {
        this.#placement.ended(promptId)
        this.#owners.delete(promptId)
        this.#finished.set(promptId, outcome)
      },
    )
  }

  /** Places `prompt` on a server now (the chosen one, or `options.server`), failing over safely. */
  async submit(prompt: ComfyPrompt, options: SubmitOptions = {}): Promise<Submission> {
    const promptId = options.promptId ?? this.host.newPromptId()
    checkPrompt(prompt, promptId, this.#owners.get(promptId) !== undefined)
    const submission = await this.#placement.place(promptId, prompt, options)
    this.#own(promptId, submission.serverId, prompt, options, false)
    this.host.shareOwner(promptId, submission.serverId)
    return submission
  }

  /**
   * Follows a job to its outcome. Several callers share one follow; each gets its own events and
   * may abort alone. A finished outcome stays readable for a while.
   */
  result(promptId: string, options: ResultOptions = {}): Promise<JobResult> {
    const finished = this.#finished.get(promptId)
    if (finished) return finished.ok ? Promise.resolve(finished.value) : Promise.reject(finished.error)
    const job = this.#owners.get(promptId)
    if (!job && options.placedOn !== undefined) {
      const { serverId, prompt, submit = {}, started = prompt === undefined } = options.placedOn
      if (this.host.target(serverId) === undefined)
        return Promise.reject(new UnknownServerError(serverId, this.host.serverIds()))
      this.#own(promptId, serverId, prompt ?? {}, submit, started || prompt === undefined)
      const { placedOn: _known, ...rest } = options
      return this.result(promptId, rest)
    }
    if (!job) return this.#adopt(promptId).then(() => this.result(promptId, options))
    options.onEvent?.({ type: 'queued', promptId, serverId: job.serverId })
    return this.#follows.join(job, options)
  }

  /** A prompt another app instance placed: follow it where the shared state store says it lives. */
  async #adopt(promptId: string): Promise<void> {
    const serverId = await this.host.findOwner(promptId)
    if (serverId === undefined) throw new UnknownJobError(promptId)
    // This instance does not have the prompt, so it could never place it again: `started`.
    if (!this.#owners.get(promptId)) this.#own(promptId, serverId, {}, {}, true)
  }

  #own(promptId: string, serverId: string, prompt: ComfyPrompt, options: SubmitOptions, started: boolean) {
    const now = this.host.clock.now()
    const job: OwnedJob = {
      promptId,
      serverId,
      prompt,
      options,
      attempts: 1,
      started,
      lastSeenAt: now,
      createdAt: now,
    }
    this.#owners.add(job)
  }

  /** Early-bound `submit`, then `result`. */
  async run(prompt: ComfyPrompt, options: SubmitOptions & ResultOptions = {}): Promise<JobResult> {
    const submission = await this.submit(prompt, options)
    return this.result(submission.promptId, options)
  }

  /** Stops a job on its owner: removes it from the queue, or interrupts it if it is running. */
  async interrupt(promptId: string): Promise<boolean> {
    const job = this.#owners.get(promptId)
    if (!job) throw new UnknownJobError(promptId)
    const target = this.host.target(job.serverId)
    if (!target) return false
    return interruptJob(this.client, target, promptId, this.host.settings().requestTimeoutMs)
  }

  /** The server that holds `promptId`, while the balancer remembers it. */
  owner(promptId: string): string | undefined {
    return this.#owners.get(promptId)?.serverId
  }

  /** A `GET /view` URL for an output file, on the server that produced it. */
  viewUrl(serverId: string, file: OutputFile): string {
    const target = this.host.target(serverId)
    if (!target) throw new InvalidArgumentError(`viewUrl: unknown server "${serverId}".`)
    const url = new URL(endpointUrl(target.base, '/view'))
    url.searchParams.set('filename', file.filename)
    url.searchParams.set('subfolder', file.subfolder)
    url.searchParams.set('type', file.type)
    return url.toString()
  }

  /** How many prompts are remembered (bounded; for tests and leak checks). */
  get tracked(): number {
    return this.#owners.size
  }
}
