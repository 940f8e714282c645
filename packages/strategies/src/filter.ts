import type { SelectContext, ServerSnapshot, Strategy } from '@comfy-balancer/core'

/** Decides whether a server may be chosen. */
export type ServerPredicate = (server: ServerSnapshot, ctx: SelectContext) => boolean

/**
 * Lets `inner` choose only among the candidates `predicate` accepts; none accepted → none chosen
 * (the balancer then applies its fallback policy).
 *
 * @example
 * ```ts
 * filter(withTags('sdxl'), leastExpectedWait())
 * filter((server) => server.latencyMs === undefined || server.latencyMs < 200, minQueue())
 * ```
 */
export function filter(predicate: ServerPredicate, inner: Strategy): Strategy {
  return {
    name: `filter(${inner.name})`,
    ...(inner.lockTtlMs === undefined ? {} : { lockTtlMs: inner.lockTtlMs }),
    ...(inner.score ? { score: inner.score.bind(inner) } : {}),
    select(candidates, ctx) {
      const kept = candidates.filter((server) => predicate(server, ctx))
      return kept.length === 0 ? undefined : inner.select(kept, ctx)
    },
  }
}

/** A predicate: the server carries every one of `tags`. */
export function withTags(...tags: readonly string[]): ServerPredicate {
  return (server) => tags.every((tag) => server.tags.includes(tag))
}

/** A predicate: the server is not one of `ids`. */
export function excluding(...ids: readonly string[]): ServerPredicate {
  return (server) => !ids.includes(server.id)
}

/**
 * Uses `primary`, and `secondary` when the primary finds no acceptable server or throws.
 *
 * @example
 * ```ts
 * fallback(filter(withTags('a100'), minQueue()), minQueue()) // prefer A100s, else anything healthy
 * ```
 */
export function fallback(primary: Strategy, secondary: Strategy): Strategy {
  const lockTtlMs = primary.lockTtlMs ?? secondary.lockTtlMs
  return {
    name: `fallback(${primary.name}, ${secondary.name})`,
    ...(lockTtlMs === undefined ? {} : { lockTtlMs }),
    select(candidates, ctx) {
      let chosen: ServerSnapshot | undefined
      try {
        chosen = primary.select(candidates, ctx)
      } catch {
        // The secondary is exactly for when the primary cannot answer.
        chosen = undefined
      }
      return chosen ?? secondary.select(candidates, ctx)
    },
  }
}
