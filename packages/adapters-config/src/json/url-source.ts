import { ConfigLoadError, type FetchLike } from '@comfy-balancer/core'
import { redactUrl, systemClock } from '@comfy-balancer/core/internal'
import { ChangeFeed } from '../internal/change-feed.js'
import type { TimerClock } from '../internal/clock.js'
import { abortError, toLoadError } from '../internal/errors.js'
import { contentHash, UNREADABLE } from '../internal/hash.js'
import { pollEvery } from '../internal/poll.js'
import { layeredSource } from '../layer/layered-source.js'
import type { LayeredConfigSource } from '../layer/types.js'
import { textToLayer } from './document.js'

/** Options of a JSON URL source. */
export interface JsonUrlOptions {
  /** Poll the URL and report changes. Default `false`. */
  readonly watch?: boolean
  /** Poll period; each poll is a conditional GET (`If-None-Match`), so an unchanged file costs a 304. Default 15 000. */
  readonly pollMs?: number
  /** Gives up on a request after this long. Default 10 000. */
  readonly timeoutMs?: number
  /** Sent with every request (e.g. `Authorization`); never shown in errors. */
  readonly headers?: Readonly<Record<string, string>>
  /** The HTTP client. Default: the global `fetch`, looked up at each request. */
  readonly fetch?: FetchLike
  /** Timer source for polling and timeouts. Default: core's `systemClock`. */
  readonly clock?: TimerClock
  /** Names the source in errors. Default `json:<redacted URL>`. */
  readonly name?: string
}

/** A source over a JSON document served over HTTP(S), remembering its ETag. */
export function jsonUrlSource(url: string, options: JsonUrlOptions = {}): LayeredConfigSource {
  const label = redactUrl(url)
  const name = options.name ?? `json:${label}`
  const clock = options.clock ?? systemClock
  const timeoutMs = options.timeoutMs ?? 10_000
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  let cached: { readonly etag: string; readonly text: string } | undefined

  const fetchText = async (signal?: AbortSignal): Promise<string> => {
    if (signal?.aborted) throw abortError(name, signal)
    const controller = new AbortController()
    let timedOut = false
    const timer = clock.setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    const onAbort = () => controller.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
      if (cached) headers['if-none-match'] = cached.etag
      const response = await fetchImpl(url, { headers, signal: controller.signal })
      if (response.status === 304 && cached) return cached.text
      if (!response.ok) {
        throw new ConfigLoadError(
          name,
          `GET ${label} answered HTTP ${response.status}; expected 200 with a JSON config`,
        )
      }
      const text = await response.text()
      const etag = response.headers.get('etag')
      cached = etag === null ? undefined : { etag, text }
      return text
    } catch (error) {
      if (signal?.aborted) throw abortError(name, signal)
      if (timedOut)
        throw new ConfigLoadError(name, `GET ${label} did not answer within ${timeoutMs} ms`, {
          cause: error,
        })
      throw toLoadError(name, error)
    } finally {
      clock.clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  const feed = new ChangeFeed((observe) =>
    pollEvery(clock, options.pollMs ?? 15_000, async () => {
      observe(await fetchText().then(contentHash, () => UNREADABLE))
    }),
  )

  return layeredSource({
    name,
    loadLayer: async (signal) => {
      let text: string
      try {
        text = await fetchText(signal)
      } catch (error) {
        if (!signal?.aborted) feed.note(UNREADABLE)
        throw error
      }
      feed.note(contentHash(text))
      return textToLayer(text, name)
    },
    subscribe: options.watch ? (onChange) => feed.subscribe(onChange) : undefined,
  })
}
