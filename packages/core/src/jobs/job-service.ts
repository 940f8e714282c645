import { ComfyBalancerError } from '../errors/base.js'
import { InvalidArgumentError } from '../errors/server-errors.js'
import { endpointUrl } from '../util/request-target.js'
import type { ComfyClient } from './comfy-client.js'
import { follow } from './follow.js'
import type { JobHost } from './host.js'
import { locate } from './locate.js'
import { OwnershipMap } from './ownership.js'
import { Placement } from './placement.js'
import type { ComfyPrompt, JobResult, OutputFile, ResultOptions, Submission, SubmitOptions } from './types.js'
import { CANONICAL_UUID } from './wait.js'

/** Thrown by `result()` and friends for a prompt id this balancer did not place (or forgot). */
export class UnknownJobError extends ComfyBalancerError {
  readonly promptId: string

  constructor(promptId: string) {
    super('UNKNOWN_JOB', `No job ${promptId} was submitted through this balancer (or its record expired).`)
    this.name = 'UnknownJobError'
    this.promptId = promptId
  }
}

/**
 * The job API behind `submit`, `result`, `run`, `interrupt` and `viewUrl`: places prompts safely,
 * remembers their owners, follows them to outputs, and cleans up copies left on servers it gave up on.
 */
export class JobService {
  readonly #owners = new OwnershipMap()
  readonly #stale = new Map<string, Set<string>>()
  readonly #placement: Placement

  constructor(
    private readonly host: JobHost,
    private readonly client: ComfyClient,
  ) {
    this.#placement = new Placement(host, client, (serverId, promptId) => this.#remember(serverId, promptId))
    host.events.on('health-changed', (event) => {
      if (event.health === 'healthy') void this.#sweep(event.server.id)
    })
  }

  async submit(prompt: ComfyPrompt, options: SubmitOptions = {}): Promise<Submission> {
    if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) {
      throw new InvalidArgumentError(
        'submit expects a ComfyUI prompt in API format: { nodeId: { class_type, inputs } }.',
      )
    }
    const promptId = options.promptId ?? this.host.newPromptId()
    if (!CANONICAL_UUID.test(promptId)) {
      throw new InvalidArgumentError(
        `promptId must be a lowercase hyphenated UUID (ComfyUI 0.25+ rejects anything else), received "${promptId}".`,
      )
    }
    if (this.#owners.get(promptId)) {
      throw new InvalidArgumentError(`Prompt ${promptId} was already submitted: ComfyUI would run it twice.`)
    }
    const submission = await this.#placement.place(promptId, prompt, options)
    const now = this.host.clock.now()
    this.#owners.add(
      {
        promptId,
        serverId: submission.serverId,
        prompt,
        options,
        attempts: 1,
        started: false,
        lastSeenAt: now,
        createdAt: now,
      },
      now,
    )
    return submission
  }

  async result(promptId: string, options: ResultOptions = {}): Promise<JobResult> {
    const job = this.#owners.get(promptId)
    if (!job) throw new UnknownJobError(promptId)
    const result = await follow(this.host, this.client, this.#placement, job, options, (serverId, id) =>
      this.#remember(serverId, id),
    )
    // Read once: the record's work is done (bounded memory).
    this.#owners.delete(promptId)
    return result
  }

  async run(prompt: ComfyPrompt, options: SubmitOptions & ResultOptions = {}): Promise<JobResult> {
    const submission = await this.submit(prompt, options)
    options.onEvent?.({ type: 'queued', promptId: submission.promptId, serverId: submission.serverId })
    return this.result(submission.promptId, options)
  }

  /** Stops a job on its owner: removes it from the queue, or interrupts it if it is running. */
  async interrupt(promptId: string): Promise<boolean> {
    const job = this.#owners.get(promptId)
    if (!job) throw new UnknownJobError(promptId)
    const target = this.host.target(job.serverId)
    if (!target) return false
    const timeoutMs = this.host.settings().requestTimeoutMs
    const where = await locate(this.client, target, promptId, timeoutMs)
    if (where.state === 'pending') return (await this.client.deleteQueued(target, promptId, { timeoutMs })).ok
    if (where.state === 'running') return (await this.client.interrupt(target, promptId, { timeoutMs })).ok
    return false
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

  #remember(serverId: string, promptId: string): void {
    let ids = this.#stale.get(serverId)
    if (!ids) {
      ids = new Set()
      this.#stale.set(serverId, ids)
    }
    if (ids.size < 1_000) ids.add(promptId)
  }

  /** A server answers again: remove copies of prompts that now live elsewhere, so none runs twice. */
  async #sweep(serverId: string): Promise<void> {
    const ids = this.#stale.get(serverId)
    const target = this.host.target(serverId)
    if (!ids || !target) return
    this.#stale.delete(serverId)
    const timeoutMs = this.host.settings().requestTimeoutMs
    for (const promptId of ids) {
      if (this.#owners.get(promptId)?.serverId === serverId) continue
      await this.client.deleteQueued(target, promptId, { timeoutMs })
      await this.client.interrupt(target, promptId, { timeoutMs })
      this.host.logger.info(`removed a stale copy of ${promptId} from ${serverId}`)
    }
  }
}
