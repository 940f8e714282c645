import { request as httpRequest } from 'node:http'
import { WebSocket } from 'undici'
import { afterEach, onTestFailed } from 'vitest'
import { type ComfySim, type ComfySimOptions, startComfySim } from '../server'

/** Starts simulated servers for the tests of the file that calls it, closing them after each test. */
export function useSims(): (options?: ComfySimOptions) => Promise<ComfySim> {
  const sims: ComfySim[] = []
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((sim) => sim.close()))
  })
  return async (options = {}) => {
    const sim = await startComfySim(options)
    sims.push(sim)
    return sim
  }
}

/** POSTs a JSON body (or a raw string) with the global fetch. */
export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  })
}

/**
 * Polls `condition` every few ms until it holds. The simulator runs on real sockets, so there is
 * nothing to advance; no deadline of its own either — the test's timeout is the only bound, and a
 * test that times out names what it was waiting for.
 */
export async function waitUntil(condition: () => boolean, what = 'condition'): Promise<void> {
  let waiting = true
  onTestFailed(() => {
    if (waiting) console.error(`the test ended while it waited for ${what}`)
  })
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2))
  waiting = false
}

/** Tracks whether a promise has settled, without awaiting it. */
export function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise }
  promise.then(
    () => {
      state.settled = true
    },
    () => {
      state.settled = true
    },
  )
  return state
}

/** The error code under a failed fetch's `TypeError` (e.g. `ECONNREFUSED`). */
export async function fetchErrorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    let cause: unknown = error
    while (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code
      if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code
      if (cause.cause === undefined) return code as string | undefined
      cause = cause.cause
    }
    return undefined
  }
  throw new Error('expected the request to fail')
}

/** A raw node:http request, for headers `fetch` will not send (Host) and connections it will not close. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: false,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** A parsed WebSocket message plus its raw text. */
export interface WsMessage {
  type: string
  data: Record<string, unknown>
  raw: string
}

/** A WebSocket client (undici) that records every message and lets a test wait for one. */
export class WsClient {
  readonly messages: WsMessage[] = []
  readonly socket: WebSocket
  readonly closed: Promise<void>
  #listeners = new Set<() => void>()

  private constructor(socket: WebSocket) {
    this.socket = socket
    socket.addEventListener('message', (event) => {
      const raw = String(event.data)
      const parsed = JSON.parse(raw) as { type: string; data: Record<string, unknown> }
      this.messages.push({ ...parsed, raw })
      for (const listener of [...this.#listeners]) listener()
    })
    this.closed = new Promise((resolve) => socket.addEventListener('close', () => resolve()))
  }

  /** Opens a connection; rejects if the handshake fails. */
  static open(url: string, headers?: Record<string, string>): Promise<WsClient> {
    const socket = new WebSocket(url, headers === undefined ? undefined : { headers })
    const client = new WsClient(socket)
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(client))
      socket.addEventListener('error', () => reject(new Error(`WebSocket ${url} failed to open`)))
    })
  }

  /** Every message so far up to and including the first that matches, waiting for it if need be. */
  async until(match: (message: WsMessage) => boolean, timeoutMs = 5_000): Promise<WsMessage[]> {
    const find = () => this.messages.findIndex(match)
    if (find() < 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#listeners.delete(check)
          reject(
            new Error(`no matching WebSocket message within ${timeoutMs} ms; got ${this.types().join(', ')}`),
          )
        }, timeoutMs)
        const check = () => {
          if (find() < 0) return
          clearTimeout(timer)
          this.#listeners.delete(check)
          resolve()
        }
        this.#listeners.add(check)
      })
    }
    return this.messages.slice(0, find() + 1)
  }

  types(): string[] {
    return this.messages.map((message) => message.type)
  }

  send(value: unknown): void {
    this.socket.send(JSON.stringify(value))
  }

  async close(): Promise<void> {
    this.socket.close()
    await this.closed
  }
}

/** Matches a `status` message with this queue_remaining. */
export const isStatus = (remaining: number) => (message: WsMessage) =>
  message.type === 'status' &&
  (message.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === remaining
