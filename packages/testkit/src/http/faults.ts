import type { Endpoint, Fault, ModelClock } from '../model/types'
import { internalErrorReply, jsonReply, type Reply, truncatedReply } from './replies'
import type { Route, RouteContext } from './routes'

/** Marks a reply that is a network error (connection refused, or a hang the client gave up on). */
export const NETWORK_ERROR = Symbol('network error')

/** The fault that applies to this endpoint, if any. */
export function activeFault(fault: Fault | undefined, endpoint: Endpoint): Fault | undefined {
  if (fault === undefined) return undefined
  return fault.endpoints === undefined || fault.endpoints.includes(endpoint) ? fault : undefined
}

/**
 * Answers one request the way a server with this fault would. Reads never change state, so they
 * always see the real model; a POST takes effect under a fault only when `fault.process` says so
 * (always for `slow`, never for `refuse`). `lifetime`, when given, aborts when the server process
 * dies (a crash): a request still waiting then ends as a network error and never takes effect.
 */
export async function faultedReply(
  route: Route,
  context: RouteContext,
  fault: Fault | undefined,
  lifetime?: AbortSignal,
): Promise<Reply | typeof NETWORK_ERROR> {
  if (fault === undefined) return route.handle(context)
  const takesEffect = route.method === 'POST' && fault.process === true
  // Removes this request's abort listeners once it is answered, so they do not pile up on the
  // server's long-lived lifetime signal (one per slow or hung request until the next crash).
  const done = new AbortController()
  try {
    switch (fault.kind) {
      case 'refuse':
        return NETWORK_ERROR
      case 'slow':
        // The server is busy before it handles the request; like aiohttp, it still handles it if
        // the client has given up meanwhile.
        await Promise.race([sleepOn(context.model.clock, fault.delayMs ?? 0), aborted(lifetime, done.signal)])
        return lifetime?.aborted ? NETWORK_ERROR : route.handle(context)
      case 'hang':
        if (takesEffect) route.handle(context)
        // Settle once the client aborts, so no resolver is left pending forever.
        await Promise.race([aborted(context.request.signal, done.signal), aborted(lifetime, done.signal)])
        return NETWORK_ERROR
      case 'http500':
        if (takesEffect) route.handle(context)
        return internalErrorReply()
      case 'malformed':
        return truncatedReply(route.method === 'GET' || takesEffect ? route.handle(context) : undefined)
      case 'wrongShape':
        if (takesEffect) route.handle(context)
        return jsonReply(route.wrongShape(context))
    }
  } finally {
    done.abort()
  }
}

function sleepOn(clock: ModelClock, ms: number): Promise<void> {
  if (clock.sleep !== undefined) return clock.sleep(ms)
  return new Promise((resolve) => clock.setTimeout(resolve, ms))
}

/** Resolves when `signal` aborts; never for an absent signal. The listener goes when `until` aborts. */
function aborted(signal: AbortSignal | undefined, until: AbortSignal): Promise<void> {
  if (signal === undefined) return new Promise(() => undefined)
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true, signal: until }),
  )
}
