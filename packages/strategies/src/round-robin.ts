import type { ServerSnapshot, Strategy } from '@comfy-balancer/core'

/**
 * Strict rotation over the current candidates in config order. The cursor is the config position
 * of the last server chosen, so when servers come and go the rotation carries on from where it was
 * instead of restarting or skipping.
 *
 * @example
 * ```ts
 * createLoadBalancer({ config, strategy: roundRobin() })
 * ```
 */
export function roundRobin(): Strategy {
  let lastIndex = -1
  return {
    name: 'roundRobin',
    select(candidates) {
      let next: ServerSnapshot | undefined
      let first: ServerSnapshot | undefined
      for (const server of candidates) {
        if (!first || server.index < first.index) first = server
        if (server.index > lastIndex && (!next || server.index < next.index)) next = server
      }
      const chosen = next ?? first
      if (chosen) lastIndex = chosen.index
      return chosen
    },
  }
}
