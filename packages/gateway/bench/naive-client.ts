import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'

/** A prompt that takes `ms` of work at speed 1 on the simulator, as in `bench:cluster`. */
export const simWork = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

const STATUS = /^\{\s*"type"\s*:\s*"status"/

/** What one prompt looked like from the client's side; times from the client's `now`. */
export interface JobTrace {
  readonly promptId: string
  /** Just before the `POST /prompt`. */
  readonly postAt: number
  /** When the `POST /prompt` answered. */
  readonly answeredAt: number
  /** The first `executing` with a node (the prompt started on some GPU). */
  readonly firstExecutingAt: number | undefined
  /** `executing` with `node: null` for the prompt: the end, as every ComfyUI client reads it. */
  readonly endAt: number
  /** The outcome message seen before the end, if any. */
  readonly outcome: 'success' | 'error' | 'interrupted' | 'none'
  /** How many `execution_start` the client saw (a rerun elsewhere must not show). */
  readonly starts: number
}

interface Waiter {
  postAt: number
  answeredAt: number
  firstExecutingAt?: number
  outcome: JobTrace['outcome']
  starts: number
  resolve?: (trace: JobTrace) => void
  ended?: number
}

/**
 * The naive ComfyUI client of issue 17: one URL, plain `fetch` `POST /prompt` with its `client_id`,
 * and one `/ws` read until `executing` with `node: null` for each of its prompts. It knows nothing
 * of several servers. One socket serves every prompt this client posts.
 */
export class NaiveClient {
  readonly #ws: WebSocket
  readonly #base: string
  readonly #now: () => number
  readonly #byPrompt = new Map<string, Waiter>()
  /** Messages for prompt ids the client has not learnt yet (the POST answer is still on its way). */
  readonly #early = new Map<string, Array<{ type: string; data: Record<string, unknown> }>>()
  readonly clientId: string
  /** The `status` greeting arrived (with this client's `sid`). */
  greeted = false
  /** Every text message received (for the held-sockets check). */
  received = 0

  private constructor(base: string, ws: WebSocket, clientId: string, now: () => number) {
    this.#base = base
    this.#ws = ws
    this.clientId = clientId
    this.#now = now
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return
      this.received += 1
      const text = String(raw)
      // Queue broadcasts after the greeting say nothing about this client's prompts: not parsed, so
      // hundreds of clients in one benchmark process do not load the process the servers share.
      if (this.greeted && STATUS.test(text)) return
      const message = JSON.parse(text) as { type: string; data: Record<string, unknown> }
      if (message.type === 'status' && message.data.sid === clientId) this.greeted = true
      const promptId = message.data?.prompt_id
      if (typeof promptId !== 'string') return
      const waiter = this.#byPrompt.get(promptId)
      if (waiter === undefined) {
        const early = this.#early.get(promptId) ?? []
        early.push(message)
        this.#early.set(promptId, early)
        return
      }
      this.#note(promptId, waiter, message, this.#now())
    })
  }

  /** Opens the client's `/ws` and waits for its `status` greeting. */
  static async open(
    base: string,
    now: () => number,
    clientId: string = randomUUID(),
    timeoutMs = 30_000,
  ): Promise<NaiveClient> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?clientId=${clientId}`, {
      perMessageDeflate: false,
    })
    const client = new NaiveClient(base, ws, clientId, now)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no status greeting in ${timeoutMs} ms`)), timeoutMs)
      const check = () => {
        if (!client.greeted) return
        clearTimeout(timer)
        ws.off('message', check)
        resolve()
      }
      ws.on('message', check)
      ws.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
    })
    return client
  }

  /** Posts `prompt` and resolves at its `executing: null`. */
  async run(prompt: Record<string, unknown>): Promise<JobTrace> {
    const postAt = this.#now()
    const response = await fetch(`${this.#base}/prompt`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt, client_id: this.clientId }),
    })
    const answeredAt = this.#now()
    const body = (await response.json()) as { prompt_id?: string }
    if (response.status !== 200 || typeof body.prompt_id !== 'string')
      throw new Error(`POST /prompt answered ${response.status}: ${JSON.stringify(body)}`)
    const promptId = body.prompt_id
    const waiter: Waiter = { postAt, answeredAt, outcome: 'none', starts: 0 }
    const done = new Promise<JobTrace>((resolve) => {
      waiter.resolve = resolve
    })
    this.#byPrompt.set(promptId, waiter)
    for (const message of this.#early.get(promptId) ?? []) this.#note(promptId, waiter, message, answeredAt)
    this.#early.delete(promptId)
    return done
  }

  close(): void {
    this.#ws.close()
  }

  /** Drops the socket without a closing handshake (a client that vanishes). */
  terminate(): void {
    this.#ws.terminate()
  }

  #note(
    promptId: string,
    waiter: Waiter,
    message: { type: string; data: Record<string, unknown> },
    at: number,
  ): void {
    if (waiter.ended !== undefined) return
    switch (message.type) {
      case 'execution_start':
        waiter.starts += 1
        break
      case 'execution_success':
        waiter.outcome = 'success'
        break
      case 'execution_error':
        waiter.outcome = 'error'
        break
      case 'execution_interrupted':
        waiter.outcome = 'interrupted'
        break
      case 'executing':
        if (message.data.node === null) {
          waiter.ended = at
          this.#byPrompt.delete(promptId)
          waiter.resolve!({
            promptId,
            postAt: waiter.postAt,
            answeredAt: waiter.answeredAt,
            firstExecutingAt: waiter.firstExecutingAt,
            endAt: at,
            outcome: waiter.outcome,
            starts: waiter.starts,
          })
        } else waiter.firstExecutingAt ??= at
        break
    }
  }
}
