import type { BalancerParts } from '../balancer/parts.js'
import type { DispatchHost, LateBindingOptions } from './dispatch-host.js'
import { LateBindingDispatcher } from './dispatcher.js'
import type { JobService } from './job-service.js'
import { createJobService, type JobFacade } from './job-wiring.js'
import { type RetryHost, runRetryingFailures } from './retry-failed.js'
import type { ComfyPrompt, JobResult, OutputFile, ResultOptions, Submission, SubmitOptions } from './types.js'

/** What the job API takes from the balancer facade: its public, checked calls. */
export interface JobApiFacade extends JobFacade {
  refresh(): Promise<unknown>
  probe(serverId: string): Promise<unknown>
}

/**
 * The balancer's job methods in one place: `submit` and `run` go through late binding unless the
 * job asks for `binding: 'early'` (or pins a `server`), and everything after placement (following,
 * interrupting, output URLs) is the job service's.
 */
export class JobApi {
  #dispatcher: LateBindingDispatcher | undefined
  /** A retried job's first prompt id → the id it runs under now, so `interrupt(first)` reaches it. */
  readonly #renamed = new Map<string, string>()
  /** Prompts the caller interrupted: their interruption is no failure to retry. */
  readonly #interrupted = new Set<string>()
  readonly #retry: RetryHost = {
    newPromptId: () => this.host.newPromptId(),
    maxAttempts: () => this.host.settings().maxAttempts,
    interruptedByCaller: (promptId) => this.#interrupted.has(promptId),
    renamed: (first, current) => this.#renamed.set(first, current),
  }

  constructor(
    /** The early-bound path and everything after placement. */
    readonly service: JobService,
    private readonly host: DispatchHost,
    private readonly tuning: LateBindingOptions | undefined,
  ) {}

  submit(prompt: ComfyPrompt, options: SubmitOptions = {}): Promise<Submission> {
    return isEarly(options) ? this.service.submit(prompt, options) : this.#late().submit(prompt, options)
  }

  /** `submit` then `result`; a run that fails on its server runs again elsewhere (`retryFailed`). */
  async run(prompt: ComfyPrompt, options: SubmitOptions & ResultOptions = {}): Promise<JobResult> {
    const promptId = options.promptId ?? this.host.newPromptId()
    try {
      return await runRetryingFailures(
        (p, o) => this.#runOnce(p, o),
        prompt,
        { ...options, promptId },
        this.#retry,
      )
    } finally {
      this.#renamed.delete(promptId)
      this.#interrupted.delete(promptId)
    }
  }

  #runOnce(prompt: ComfyPrompt, options: SubmitOptions & ResultOptions): Promise<JobResult> {
    if (!isEarly(options)) return this.#late().run(prompt, options)
    return this.service.submit(prompt, options).then((s) => this.service.result(s.promptId, options))
  }

  result(promptId: string, options: ResultOptions = {}): Promise<JobResult> {
    return this.service.result(promptId, options)
  }

  /** Removes a job still waiting in the app (its `submit` rejects), else stops it on its server. */
  async interrupt(promptId: string): Promise<boolean> {
    const current = this.#renamed.get(promptId) ?? promptId
    this.#interrupted.add(current)
    const cancelled = await this.#dispatcher?.cancel(current)
    if (cancelled === 'removed') return true
    return this.service.interrupt(current)
  }

  owner(promptId: string): string | undefined {
    return this.service.owner(promptId)
  }

  viewUrl(serverId: string, file: OutputFile): string {
    return this.service.viewUrl(serverId, file)
  }

  /** Jobs waiting in the app for a server (late binding). */
  get waiting(): number {
    return this.#dispatcher?.waiting ?? 0
  }

  /** Waiting jobs reject with `DISPOSED`; jobs already on servers are left alone. */
  close(): void {
    this.#dispatcher?.close()
  }

  /** One dispatcher per balancer, made on first use so a balancer that never runs jobs has none. */
  #late(): LateBindingDispatcher {
    this.#dispatcher ??= new LateBindingDispatcher(this.host, this.tuning)
    return this.#dispatcher
  }
}

/** A pinned `server` is a choice made already: there is nothing left to bind late. */
function isEarly(options: SubmitOptions): boolean {
  return options.binding === 'early' || options.server !== undefined
}

/** Builds the job API over a balancer's parts; `tuning` is `createLoadBalancer({ dispatch })`. */
export function createJobApi(
  parts: Parameters<typeof createJobService>[0] & Pick<BalancerParts, 'store'>,
  facade: JobApiFacade,
  tuning: LateBindingOptions | undefined,
): JobApi {
  const service = createJobService(parts, facade)
  const { store, servers } = parts
  const host: DispatchHost = {
    clock: parts.clock,
    fit: parts.fit,
    snapshot: () => store.snapshot(),
    subscribe: (listener) => store.subscribe(listener),
    settings: () => {
      const config = servers.settings()
      return {
        maxAttempts: config.jobs.maxAttempts,
        cacheMs: config.probe.cacheMs,
        lostAfterMs: config.jobs.lostAfterMs,
        autoSwitch: config.autoSwitch,
      }
    },
    newPromptId: parts.newPromptId,
    isSubmitted: (promptId) => service.owner(promptId) !== undefined,
    submit: (prompt, options) => service.submit(prompt, options),
    result: (promptId, options) => service.result(promptId, options),
    probe: (serverId) => facade.probe(serverId),
    refresh: () => facade.refresh(),
  }
  return new JobApi(service, host, tuning)
}
