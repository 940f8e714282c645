import { ComfyBalancerError, ConfigLoadError } from '@comfy-balancer/core'
import { redactText } from '@comfy-balancer/core/internal'

/**
 * Turns whatever a driver, `fs` or `fetch` threw into a `ConfigLoadError` naming the source. Our
 * own typed errors pass through; messages are redacted because drivers like to quote connection
 * strings (with passwords) back at you.
 */
export function toLoadError(source: string, error: unknown, hint = ''): ComfyBalancerError {
  if (ComfyBalancerError.isInstance(error)) return error
  const text = error instanceof Error ? error.message : String(error)
  return new ConfigLoadError(source, `${redactText(text)}${hint}`, { cause: error })
}

/** The error a load rejects with when its signal was aborted: typed, naming the source. */
export function abortError(source: string, signal: AbortSignal): ComfyBalancerError {
  return new ConfigLoadError(source, 'the load was aborted', { cause: signal.reason })
}

/**
 * Resolves like `work`, but rejects as soon as `signal` aborts. Drivers such as better-sqlite3 or
 * pg cannot cancel a query, so the caller at least stops waiting for it.
 */
export function abortable<T>(work: Promise<T>, source: string, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work
  if (signal.aborted) return Promise.reject(abortError(source, signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(source, signal))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
