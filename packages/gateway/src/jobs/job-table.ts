import type { GatewayStore } from '../state/gateway-store.js'
import { type GatewayJob, historyEntry, queueItem } from './gateway-job.js'

/** Where an output file came from: the server that wrote it, and whose prompt it was. */
interface FileOwner {
  readonly serverId: string
  readonly owner: string
  readonly promptId: string
}

/**
 * Every prompt the gateway took, by id: the ones waiting or running, and the finished ones as
 * history (newest last, at most `maxHistory`). Each view is one caller's: `owner` filters.
 */
export class JobTable {
  readonly #jobs = new Map<string, GatewayJob>()
  /** The jobs not finished yet: what queue views walk, instead of every job history keeps. */
  readonly #open = new Map<string, GatewayJob>()
  /** Finished prompt ids, oldest first (Map order). */
  readonly #history = new Map<string, true>()
  readonly #files = new Map<string, FileOwner>()
  /** Each prompt's file keys, to forget them with it. */
  readonly #fileKeys = new Map<string, string[]>()
  #counter = 0
  /** Callers waiting for a job to be finished (its history written) or dropped. */
  readonly #waiters = new Map<string, Array<() => void>>()

  #finishSeq = 0

  constructor(
    private readonly maxHistory: number,
    /** Where every change is written, to survive a restart (default: nowhere). */
    private readonly store?: GatewayStore,
    private readonly onStoreError: (error: unknown) => void = () => undefined,
  ) {}

  /** Takes back what a previous process stored: jobs (history in finish order) and the counter. */
  restore(jobs: readonly GatewayJob[], counter: number): void {
    this.#counter = Math.max(this.#counter, counter)
    const finished = jobs.filter((job) => job.status === 'done')
    finished.sort((a, b) => (a.finishedSeq ?? 0) - (b.finishedSeq ?? 0))
    for (const job of jobs) this.#put(job)
    for (const job of finished) {
      this.#history.set(job.promptId, true)
      this.#finishSeq = Math.max(this.#finishSeq, job.finishedSeq ?? 0)
      for (const output of Object.values(job.outputs)) this.#noteFiles(job, output)
    }
  }

  /** ComfyUI's per-process counter: advanced on every POST /prompt, valid or not (kept across restarts). */
  nextNumber(): number {
    const number = this.#counter++
    this.#write(this.store?.saveCounter(this.#counter))
    return number
  }

  add(job: GatewayJob): void {
    this.#put(job)
    this.touch(job)
  }

  /**
   * Another gateway's change to a job (it runs it, or took it out): taken as it is, not written
   * again. History keeps the order in which finished jobs arrive.
   */
  apply(promptId: string, job: GatewayJob | undefined): void {
    if (job === undefined) {
      this.#forget(promptId, false)
      this.#wake(promptId)
      return
    }
    this.#put(job)
    if (job.status !== 'done') return
    if (!this.#history.has(promptId)) this.#history.set(promptId, true)
    for (const output of Object.values(job.outputs)) this.#noteFiles(job, output)
    this.#wake(promptId)
  }

  /** Writes the job's current state (after it moved to a server, started, …). */
  touch(job: GatewayJob): void {
    if (this.#jobs.get(job.promptId) === job) this.#write(this.store?.saveJob(job))
  }

  has(promptId: string): boolean {
    return this.#jobs.has(promptId)
  }

  /** Any caller's job, for the gateway's own bookkeeping (never answer a caller with it). */
  find(promptId: string): GatewayJob | undefined {
    return this.#jobs.get(promptId)
  }

  /** The caller's job, or undefined (someone else's is as good as unknown). */
  get(promptId: string, owner: string): GatewayJob | undefined {
    const job = this.#jobs.get(promptId)
    return job !== undefined && job.owner === owner ? job : undefined
  }

  /** The caller's running and pending prompts, each in ComfyUI's run order. */
  queue(owner: string): { running: GatewayJob[]; pending: GatewayJob[] } {
    const running: GatewayJob[] = []
    const pending: GatewayJob[] = []
    for (const job of this.#open.values()) {
      if (job.owner !== owner) continue
      if (job.status === 'running') running.push(job)
      else if (job.status === 'pending') pending.push(job)
    }
    return { running: running.sort(byRunOrder), pending: pending.sort(byRunOrder) }
  }

  /** `GET /queue` for the caller. */
  queueView(owner: string): { queue_running: unknown[]; queue_pending: unknown[] } {
    const { running, pending } = this.queue(owner)
    return { queue_running: running.map(queueItem), queue_pending: pending.map(queueItem) }
  }

  /** The caller's `queue_remaining`: running plus pending. */
  remaining(owner: string): number {
    let count = 0
    for (const job of this.#open.values()) if (job.owner === owner) count += 1
    return count
  }

  /** Records a finished job in history, dropping the oldest entry past the cap. */
  finish(job: GatewayJob): void {
    job.status = 'done'
    this.#open.delete(job.promptId)
    job.finishedSeq = ++this.#finishSeq
    this.touch(job)
    this.#wake(job.promptId)
    this.#history.delete(job.promptId)
    this.#history.set(job.promptId, true)
    for (const output of Object.values(job.outputs)) this.#noteFiles(job, output)
    while (this.#history.size > this.maxHistory) {
      const oldest = this.#history.keys().next().value as string
      this.#forget(oldest)
    }
  }

  /** Notes who wrote the files an `executed` message lists, for `/view`. */
  noteOutput(job: GatewayJob, output: Record<string, unknown>): void {
    this.#noteFiles(job, output)
  }

  /** The server that wrote a file of the caller's prompts, if the gateway saw it written. */
  fileServer(owner: string, file: { filename: string; subfolder: string; type: string }): string | undefined {
    const found = this.#files.get(fileKey(file))
    return found !== undefined && found.owner === owner ? found.serverId : undefined
  }

  /** `GET /history` for the caller: oldest first, `maxItems` newest, from `offset`. */
  history(owner: string, options: { maxItems?: number; offset?: number } = {}): Record<string, unknown> {
    const ids = [...this.#history.keys()].filter((id) => this.#jobs.get(id)?.owner === owner)
    let start = options.offset ?? 0
    if (options.maxItems !== undefined && options.offset === undefined)
      start = Math.max(0, ids.length - options.maxItems)
    const end = options.maxItems === undefined ? ids.length : start + options.maxItems
    return Object.fromEntries(ids.slice(start, end).map((id) => [id, historyEntry(this.#jobs.get(id)!)]))
  }

  /** The caller's finished prompts in history order, oldest first (for `/api/jobs`). */
  finished(owner: string): GatewayJob[] {
    const found: GatewayJob[] = []
    for (const id of this.#history.keys()) {
      const job = this.#jobs.get(id)
      if (job !== undefined && job.owner === owner) found.push(job)
    }
    return found
  }

  /** `GET /history/{id}`: `{}` while it waits or runs, for unknown ids and for others' prompts. */
  historyOf(owner: string, promptId: string): Record<string, unknown> {
    const job = this.get(promptId, owner)
    return job !== undefined && this.#history.has(promptId) ? { [promptId]: historyEntry(job) } : {}
  }

  /** `POST /history` `delete` / `clear`, for the caller's entries only. */
  deleteHistory(owner: string, ids: readonly string[] | 'all'): void {
    const targets = ids === 'all' ? [...this.#history.keys()] : ids
    for (const id of targets)
      if (this.#history.has(id) && this.#jobs.get(id)?.owner === owner) this.#forget(id)
  }

  /** Forgets a job that never ran (taken out of the line). */
  drop(promptId: string): void {
    this.#forget(promptId)
    this.#wake(promptId)
  }

  /**
   * The caller's jobs whose every output node has reported (`executed`) but whose history entry
   * is not written yet: their outcome is moments away. A client that saw its last output reads
   * history at once (`@saintno/comfyui-sdk` does); waiting for these makes that read find it.
   */
  almostDone(owner: string, promptId?: string): GatewayJob[] {
    const candidates = promptId === undefined ? this.queue(owner).running : [this.get(promptId, owner)]
    return candidates.filter(
      (job): job is GatewayJob =>
        job !== undefined &&
        job.status === 'running' &&
        job.outputsToExecute.length > 0 &&
        job.outputsToExecute.every((node) => job.outputs[node] !== undefined),
    )
  }

  /** Resolves when the job is finished or dropped, or after `ms`. */
  settled(promptId: string, ms: number): Promise<void> {
    if (!this.#jobs.has(promptId) || this.#history.has(promptId)) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      const waiters = this.#waiters.get(promptId) ?? []
      waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
      this.#waiters.set(promptId, waiters)
    })
  }

  #wake(promptId: string): void {
    for (const wake of this.#waiters.get(promptId) ?? []) wake()
    this.#waiters.delete(promptId)
  }

  /** Every job not finished yet (for shutdown and metrics). */
  unfinished(): GatewayJob[] {
    return [...this.#open.values()]
  }

  #forget(promptId: string, write = true): void {
    this.#history.delete(promptId)
    this.#jobs.delete(promptId)
    this.#open.delete(promptId)
    if (write) this.#write(this.store?.deleteJob(promptId))
    for (const key of this.#fileKeys.get(promptId) ?? []) {
      if (this.#files.get(key)?.promptId === promptId) this.#files.delete(key)
    }
    this.#fileKeys.delete(promptId)
  }

  #put(job: GatewayJob): void {
    this.#jobs.set(job.promptId, job)
    if (job.status === 'done') this.#open.delete(job.promptId)
    else this.#open.set(job.promptId, job)
  }

  #write(written: Promise<void> | undefined): void {
    written?.catch(this.onStoreError)
  }

  #noteFiles(job: GatewayJob, output: Record<string, unknown>): void {
    if (job.serverId === undefined) return
    for (const value of Object.values(output)) {
      if (!Array.isArray(value)) continue
      for (const item of value) {
        if (typeof item !== 'object' || item === null) continue
        const { filename, subfolder = '', type = 'output' } = item as Record<string, unknown>
        if (typeof filename !== 'string' || typeof subfolder !== 'string' || typeof type !== 'string')
          continue
        const key = fileKey({ filename, subfolder, type })
        this.#files.set(key, { serverId: job.serverId, owner: job.owner, promptId: job.promptId })
        const keys = this.#fileKeys.get(job.promptId) ?? []
        if (!keys.includes(key)) keys.push(key)
        this.#fileKeys.set(job.promptId, keys)
      }
    }
  }
}

function fileKey(file: { filename: string; subfolder: string; type: string }): string {
  return `${file.type}\u0000${file.subfolder}\u0000${file.filename}`
}

/** ComfyUI's heap order: lower number first, ties by prompt id. */
function byRunOrder(a: GatewayJob, b: GatewayJob): number {
  return a.number - b.number || (a.promptId < b.promptId ? -1 : a.promptId > b.promptId ? 1 : 0)
}
