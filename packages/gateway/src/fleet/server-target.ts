import { endpointUrl, redactUrl, toRequestTarget } from '@comfy-balancer/core/internal'

/** A ComfyUI server the fleet info reads from. */
export interface FleetServer {
  /** A stable id: used in merged answers (device names), errors and `onError`, never the URL. */
  readonly id: string
  /** Base URL, e.g. `http://10.0.0.5:8188`; may carry user info or a token query (kept secret). */
  readonly url: string
  /** Headers sent with every request (often `Authorization`): never logged, never returned. */
  readonly headers?: Readonly<Record<string, string>>
}

/** Where and how to send one server's requests, and how to name it in messages. */
export interface ServerTarget {
  /** Base URL without user info and without a trailing slash (fetch refuses URLs with user info). */
  readonly base: string
  /** The configured headers, plus `Authorization: Basic …` from the URL's user info. */
  readonly headers: Readonly<Record<string, string>>
  /** The URL of `path` for messages: user info and token query values replaced by `***`. */
  label(path: string): string
}

/** Splits a server's URL into a fetchable base and headers, keeping an explicit `Authorization`. */
export function serverTarget(server: FleetServer): ServerTarget {
  const label = (path: string) => redactUrl(routeUrl(server.url, path))
  return { ...toRequestTarget(server.url, server.headers ?? {}), label }
}

/** The URL of `path` below a base URL, keeping the base's query (a RunPod-style token lives there). */
export const routeUrl = endpointUrl
