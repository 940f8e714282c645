import type { TimerHandle } from '../contracts/clock.js'
import { ComfyClient, type JobTarget, jobTarget } from '../jobs/comfy-client.js'
import { readOutcome } from '../jobs/outcome.js'
import { jittered } from '../util/backoff.js'
import { randomUuid } from '../util/random-uuid.js'
import type { MonitorHost } from './monitor-host.js'

/** What one canary run showed. */
export type CanaryOutcome =
  /** The executor ran the canary prompt to success: the server can run jobs again. */
  | 'passed'
  /** It failed (an execution error) or never finished in time: still broken. */
  | 'failed'
  /** The server refused the canary prompt (400, 4xx): this canary cannot judge that server. */
  | 'unusable'

/** How often a canary's history is read while it runs; tiny requests. */
const POLL_MS = 500

/**
 * Runs a tiny prompt on a server that outlier logic ejected for failed jobs, every
 * `outlier.canaryIntervalMs`, until one succeeds. A black hole (a server that fails every job at
 * once) then comes back within seconds of being fixed, without a single user job spent on finding
 * out, and costs nothing while it stays broken.
 */
export class CanaryRunner {
  readonly #timers = new Map<string, TimerHandle>()
  readonly #running = new Set<string>()
  readonly #client: ComfyClient
  #closed = false

  constructor(
    private readonly host: MonitorHost,
    /** Called with each run's outcome; `passed` and `unusable` end the loop for that server. */
    private readonly onOutcome: (id: string, outcome: CanaryOutcome, detail: string) => void,
  ) {
    this.#client = new ComfyClient(host.fetch, host.clock)
  }

  /** Whether canaries are configured at all (`outlier.canary` is not `false`). */
  get enabled(): boolean {
    const outlier = this.host.config()?.outlier
    return outlier !== undefined && outlier.canary !== false
  }

  /** Starts (or keeps) the loop for `id`: the first canary after one interval. */
  start(id: string): void {
    if (this.#closed || !this.enabled || this.#timers.has(id) || this.#running.has(id)) return
    this.#schedule(id)
  }

  /** Stops the loop for `id` (readmitted some other way, or removed). */
  stop(id: string): void {
    const timer = this.#timers.get(id)
    if (timer !== undefined) this.host.clock.clearTimeout(timer)
    this.#timers.delete(id)
  }

  close(): void {
    this.#closed = true
    for (const id of [...this.#timers.keys()]) this.stop(id)
  }

  #schedule(id: string): void {
    const outlier = this.host.config()?.outlier
    if (!outlier || this.#closed) return
    const wait = jittered(outlier.canaryIntervalMs, this.host.config()?.probe.jitter ?? 0.1, this.host.random)
    this.#timers.set(
      id,
      this.host.clock.setTimeout(() => {
        this.#timers.delete(id)
        void this.#run(id)
      }, wait),
    )
  }

  async #run(id: string): Promise<void> {
    const config = this.host.config()
    const server = this.host.serverConfig(id)
    if (this.#closed || !config || !server || config.outlier.canary === false) return
    this.#running.add(id)
    let outcome: CanaryOutcome
    let detail: string
    try {
      const target = jobTarget(server)
      ;[outcome, detail] = await this.#try(target, config.outlier.canary, config.outlier.canaryIntervalMs)
    } finally {
      this.#running.delete(id)
    }
    if (this.#closed || this.host.serverConfig(id) !== server) return
    this.onOutcome(id, outcome, detail)
    if (outcome === 'failed') this.#schedule(id)
  }

  async #try(
    target: JobTarget,
    prompt: Readonly<Record<string, unknown>>,
    intervalMs: number,
  ): Promise<[CanaryOutcome, string]> {
    const { clock } = this.host
    const timeoutMs = this.host.config()?.jobs.requestTimeoutMs ?? 10_000
    const promptId = randomUuid()
    // `front`: a canary must not wait behind work that was queued before the ejection.
    const posted = await this.#client.postPrompt(
      target,
      { prompt, prompt_id: promptId, front: true, extra_data: { comfy_balancer_canary: true } },
      { timeoutMs },
    )
    if (!posted.ok) {
      const failure = posted.failure
      if (failure.kind === 'http' && failure.status >= 400 && failure.status < 500)
        return ['unusable', `the server refused the canary prompt: ${failure.message}`]
      return ['failed', `the canary could not be posted: ${failure.message}`]
    }
    // A canary runs in well under a second; one that takes longer than a few intervals is stuck.
    const deadline = clock.now() + Math.max(3 * intervalMs, 30_000)
    while (!this.#closed && clock.now() < deadline) {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, POLL_MS))
      const history = await this.#client.history(target, promptId, { timeoutMs })
      if (!history.ok || typeof history.body !== 'object' || history.body === null) continue
      const entry = (history.body as Record<string, unknown>)[promptId]
      if (typeof entry !== 'object' || entry === null) continue
      const outcome = readOutcome(promptId, target.id, entry)
      return outcome.ok ? ['passed', 'the canary prompt ran'] : ['failed', outcome.error.message]
    }
    // Still queued or running: take it out so canaries do not pile up on a stuck server.
    await this.#client.deleteQueued(target, promptId, { timeoutMs })
    return ['failed', 'the canary prompt did not finish in time']
  }
}
