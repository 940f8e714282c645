import type { Clock, TimerHandle } from '../contracts/clock.js'

/** What the waiting line needs of a job. */
export interface WaitingJob {
  /** Unique per job, in arrival order. */
  readonly key: number
  readonly promptId: string
  /** Larger leaves the line sooner. */
  readonly priority: number
}

/**
 * The jobs waiting in the app for a server, in priority order (arrival order among equals), and
 * the ones set aside for a while because nothing could be sent for them.
 */
export class WaitingJobs<Job extends WaitingJob> {
  readonly #line: Job[] = []
  readonly #setAside = new Map<TimerHandle, Job>()
  readonly #ids = new Set<string>()

  constructor(
    private readonly clock: Clock,
    /** Called whenever a job joins the line. */
    private readonly onJoin: () => void,
  ) {}

  /** Jobs in the line and set aside. */
  get size(): number {
    return this.#line.length + this.#setAside.size
  }

  /** The line, first to leave first. */
  get line(): readonly Job[] {
    return this.#line
  }

  /** Whether a job with this prompt id waits (in the line or set aside). */
  has(promptId: string): boolean {
    return this.#ids.has(promptId)
  }

  /** The job with this prompt id, wherever it waits. */
  find(promptId: string): Job | undefined {
    if (!this.#ids.has(promptId)) return undefined
    return (
      this.#line.find((job) => job.promptId === promptId) ??
      [...this.#setAside.values()].find((job) => job.promptId === promptId)
    )
  }

  /** Stable insertion after every job of equal or higher priority; `first` puts it at the head. */
  add(job: Job, first = false): void {
    let at = first ? 0 : this.#line.length
    if (!first) while (at > 0 && this.#line[at - 1]!.priority < job.priority) at--
    this.#line.splice(at, 0, job)
    this.#ids.add(job.promptId)
    this.onJoin()
  }

  /** Takes the job with this key out of the line. */
  take(key: number): Job | undefined {
    const at = this.#line.findIndex((job) => job.key === key)
    if (at < 0) return undefined
    const [job] = this.#line.splice(at, 1)
    this.#ids.delete(job!.promptId)
    return job
  }

  /** Takes every job in the line that `test` accepts. */
  takeWhere(test: (job: Job) => boolean): Job[] {
    return this.#line.filter(test).map((job) => this.take(job.key)!)
  }

  /** Sets a job aside for `ms`, then puts it back at the head of the line. */
  setAside(job: Job, ms: number): void {
    const timer = this.clock.setTimeout(() => {
      this.#setAside.delete(timer)
      this.#ids.delete(job.promptId)
      this.add(job, true)
    }, ms)
    this.#setAside.set(timer, job)
    this.#ids.add(job.promptId)
  }

  /** Removes a job wherever it waits; false if it does not wait any more. */
  remove(job: Job): boolean {
    if (this.take(job.key) !== undefined) return true
    for (const [timer, aside] of this.#setAside) {
      if (aside !== job) continue
      this.clock.clearTimeout(timer)
      this.#setAside.delete(timer)
      this.#ids.delete(job.promptId)
      return true
    }
    return false
  }

  /** Empties the line and the jobs set aside, and returns them all. */
  drain(): Job[] {
    for (const timer of this.#setAside.keys()) this.clock.clearTimeout(timer)
    const all = [...this.#setAside.values(), ...this.#line.splice(0)]
    this.#setAside.clear()
    this.#ids.clear()
    return all
  }
}
