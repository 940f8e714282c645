import { isCapabilityRefusal } from '../capabilities/refusal.js'
import { ComfyBalancerError } from '../errors/base.js'
import { type PromptRejectedError, SubmitError } from '../errors/job-errors.js'
import type { RequestFailure } from '../probe/fetch-json.js'
import { Backoff, type BackoffPolicy } from '../util/backoff.js'
import { ExpiringMap } from '../util/expiring-map.js'
import type { ComfyClient, JobTarget } from './comfy-client.js'
import type { JobHost } from './host.js'
import { locate } from './locate.js'
import { body, excluding, prepare, rejected, retryable, withModels } from './placement-parts.js'
import { RetryBudget } from './retry-budget.js'
import type { ComfyPrompt, Submission, SubmitOptions } from './types.js'
import { wait } from './wait.js'

/**
 * Asking a server whether it holds a prompt after an uncertain POST: 250 ms doubling to 5 s. Not
 * jittered: each job asks its own server once per step, and the loop ends at a deadline.
 */
const VERIFY_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 5_000 }

type Attempt = { readonly serverId: string; readonly reason: string }

type Lease = Awaited<ReturnType<JobHost['acquire']>>

/** What happened to one POST whose answer never came: the server held it, or not, or cannot say. */
type Verdict = 'held' | 'absent' | 'unknown'

/**
 * Places a prompt on a server with safe failover: the prompt carries our own id, and after an
 * uncertain failure (timeout, dropped connection, 5xx) the same server is asked whether it holds
 * that id before any other server is tried — so a job is neither lost nor run twice.
 */
export class Placement {
  readonly #budget: RetryBudget
  /**
   * The in-flight count of each accepted prompt, kept until the job is known to have ended: a job
   * shorter than the probe interval would otherwise count as queued until the next probe, and the
   * server would look busy when it is idle. One that nobody follows lapses and its count goes with
   * the next probe, as before.
   */
  readonly #held: ExpiringMap<string, Lease>

  constructor(
    private readonly host: JobHost,
    private readonly client: ComfyClient,
    /** A server that may still hold a copy we gave up on: remove it there once it answers. */
    private readonly onStaleCopy: (serverId: string, promptId: string) => void,
  ) {
    this.#budget = new RetryBudget(host.clock, host.random, () => host.settings())
    this.#held = new ExpiringMap(host.clock, { ttlMs: 3_600_000, maxEntries: 10_000 })
  }

  /** The job ended (or left its server): it no longer counts as in flight there. */
  ended(promptId: string): void {
    this.#held.get(promptId)?.release()
    this.#held.delete(promptId)
  }

  async place(
    promptId: string,
    prompt: ComfyPrompt,
    options: SubmitOptions,
    avoid: readonly string[] = [],
  ): Promise<Submission> {
    const settings = this.host.settings()
    const maxAttempts = options.maxAttempts ?? settings.maxAttempts
    const attempts: Attempt[] = []
    const { fit } = this.host
    const ids = this.host.serverIds()
    fit.ensure(ids)
    const none = fit.noneCan(promptId, prompt, ids)
    if (none !== undefined) throw none
    // Servers known to lack a node class or model file it names never see it.
    const incapable = ids.filter((id) => fit.verdict(id, prompt).kind === 'cannot')
    // Servers that refused it for something missing: not a failure of theirs, nor an attempt.
    const refusedBy: string[] = []
    let refusal: PromptRejectedError | undefined
    const job = withModels(options.job, fit.models(undefined, prompt))
    // Placed again (its server lost it): the old count is stale.
    this.ended(promptId)
    if (avoid.length === 0 && !options.isRetry) this.#budget.submitted()
    while (attempts.length < maxAttempts) {
      if (options.signal?.aborted)
        throw new SubmitError(promptId, attempts, 'aborted', 'the submission was aborted')
      if (attempts.length > 0 || options.isRetry === true) {
        if (!this.#budget.tryRetry()) {
          throw new SubmitError(
            promptId,
            attempts,
            'budget',
            `the retry budget is spent (at most ${Math.round(settings.retryRatio * 100)} % of recent submissions, at least ${settings.retryMin} per ${settings.retryWindowMs} ms): the cluster is failing, not one server`,
          )
        }
        await wait(
          this.host.clock,
          this.#budget.backoffMs(Math.max(1, attempts.length)),
          options.signal,
        ).catch(() => undefined)
      }
      const tried = [...avoid, ...refusedBy, ...attempts.map((a) => a.serverId)]
      let lease: Lease
      try {
        const pinned =
          options.server !== undefined &&
          avoid.length === 0 &&
          attempts.length === 0 &&
          refusedBy.length === 0
        lease = await this.host.acquire(
          pinned ? { ...(job ?? {}), include: [options.server!] } : excluding(job, [...tried, ...incapable]),
          // A chosen server, or a job moving off a lost one: no wait on a refresh (a hung server's
          // probe would hold it up for a whole timeout); a stale cache is refreshed meanwhile.
          pinned || tried.length > 0,
        )
      } catch (error) {
        // Every server that may take it lacks something: ComfyUI's own refusal says what.
        if (refusal !== undefined) throw refusal
        const detail = ComfyBalancerError.isInstance(error) ? error.message : String(error)
        throw new SubmitError(promptId, attempts, 'no-server', `no server left to try (${detail})`, {
          cause: error,
        })
      }
      const serverId = lease.server.id
      const target = this.host.target(serverId)
      if (tried.includes(serverId) || !target) {
        // The fallback handed back a server already tried: nothing new to try.
        lease.release()
        break
      }
      const prepared = await prepare(options, serverId, target)
      if (prepared !== undefined) {
        lease.release()
        this.host.logger.warn(
          `${serverId}: could not prepare it for ${promptId} (${prepared}): trying another server`,
        )
        attempts.push({ serverId, reason: `beforePost: ${prepared}` })
        continue
      }
      const answer = await this.client.postPrompt(
        target,
        body(promptId, prompt, options, this.host.clientId),
        {
          timeoutMs: settings.submitTimeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      )
      const confirmed =
        answer.ok &&
        typeof answer.body === 'object' &&
        answer.body !== null &&
        (answer.body as { prompt_id?: unknown }).prompt_id === promptId
      if (confirmed) {
        this.host.observe(serverId, { type: 'answered' })
        this.host.assigned(serverId, fit.models(serverId, prompt))
        return this.#accepted(promptId, serverId, lease, answer.body)
      }
      // A 200 that does not name our prompt is as uncertain as no answer at all.
      const failure: RequestFailure = answer.ok
        ? {
            kind: 'malformed',
            status: answer.status,
            message: `${serverId}: POST /prompt answered without our prompt_id`,
          }
        : answer.failure
      if (failure.kind === 'http' && failure.status === 400) {
        // An invalid workflow says nothing bad about the server that validated it.
        this.host.observe(serverId, { type: 'answered' })
        lease.release()
        const error = rejected(promptId, serverId, failure)
        if (!isCapabilityRefusal(failure.body)) throw error
        fit.refused(serverId)
        this.host.logger.info(
          `${serverId} lacks something ${promptId} needs (${error.type}): placing it elsewhere`,
        )
        refusedBy.push(serverId)
        refusal = error
        continue
      }
      if (failure.kind === 'aborted') {
        lease.release()
        // The POST may have landed before the abort: do not leave an orphan to run unread.
        this.onStaleCopy(serverId, promptId)
        throw new SubmitError(promptId, attempts, 'aborted', 'the submission was aborted')
      }
      if (failure.kind === 'http' && !retryable(failure.status)) {
        lease.release()
        throw new SubmitError(
          promptId,
          [...attempts, { serverId, reason: failure.message }],
          'refused',
          'the server refused it',
        )
      }
      const verdict = await this.#verify(target, promptId, options.signal, failure.kind !== 'network')
      if (verdict === 'held') {
        this.host.logger.info(`${serverId} holds ${promptId} although its answer was lost: not resubmitted`)
        this.host.assigned(serverId, fit.models(serverId, prompt))
        return this.#accepted(promptId, serverId, lease, undefined)
      }
      lease.release()
      // No answer at all within submitTimeoutMs is a hung server, as good as down: it must answer
      // probes again before it gets more work.
      this.host.observe(
        serverId,
        failure.kind === 'network' || failure.kind === 'timeout'
          ? { type: 'connection', reason: failure.message }
          : { type: 'error', reason: failure.message },
      )
      if (verdict === 'unknown') this.onStaleCopy(serverId, promptId)
      attempts.push({ serverId, reason: failure.message })
    }
    throw SubmitError.gaveUp(promptId, attempts)
  }

  /**
   * Asks the server whether it holds the prompt, retrying while it is unreachable: up to
   * `moveAfterMs` while it is silent (a hung server; a copy it may still hold is removed once it
   * answers), up to `lostAfterMs` while it answers with errors (it is alive, and may have queued
   * the prompt). `answered`: the POST reached a live server (a 5xx, a timeout, a garbled reply),
   * which may have queued the prompt.
   */
  async #verify(
    target: JobTarget,
    promptId: string,
    signal: AbortSignal | undefined,
    answered: boolean,
  ): Promise<Verdict> {
    const { clock } = this.host
    const settings = this.host.settings()
    const start = clock.now()
    const backoff = new Backoff(VERIFY_BACKOFF)
    for (;;) {
      const where = await locate(this.client, target, promptId, settings.requestTimeoutMs, signal)
      if (where.state === 'absent') return 'absent'
      if (where.state !== 'unreachable') return 'held'
      // A POST that never got through and a server that now refuses connections: a dead process
      // that never had the prompt. But a server that answered the POST may have queued it, and a
      // refused connection then may be a proxy in front of a worker that still runs it: wait for
      // a definite answer (a restarted server says "absent") rather than risk running it twice.
      if (where.cause === 'connection' && !answered) return 'unknown'
      const limit =
        where.cause === 'error' ? settings.lostAfterMs : Math.min(settings.moveAfterMs, settings.lostAfterMs)
      const delay = backoff.next()
      if (clock.now() + delay > start + limit || signal?.aborted) return 'unknown'
      await wait(clock, delay, signal).catch(() => undefined)
    }
  }

  #accepted(promptId: string, serverId: string, lease: Lease, answer: unknown): Submission {
    this.#held.set(promptId, lease)
    const fields = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {}
    const nodeErrors =
      typeof fields.node_errors === 'object' && fields.node_errors !== null ? fields.node_errors : {}
    return {
      promptId,
      serverId,
      url: lease.url,
      number: typeof fields.number === 'number' ? fields.number : undefined,
      nodeErrors: nodeErrors as Record<string, unknown>,
    }
  }
}
