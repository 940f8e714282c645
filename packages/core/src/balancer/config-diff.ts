import type { BalancerConfig } from '../config/types.js'
import type { ServerConfig, ServerSnapshot } from '../contracts/server.js'
import { initialSnapshot, reconfigured } from './server-reducer.js'

/** Which servers a new config adds, removes and changes, by id. */
export interface ConfigDiff {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly changed: readonly string[]
}

/** Same URL and headers: what the balancer learnt about the server still holds. */
export function sameEndpoint(a: ServerConfig, b: ServerConfig): boolean {
  return a.url === b.url && JSON.stringify(a.headers) === JSON.stringify(b.headers)
}

function sameConfig(a: ServerConfig, b: ServerConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** The primary: the lowest priority, then the first in the list. */
export function primaryOf(servers: readonly ServerConfig[]): string {
  let best = servers[0]!
  for (const server of servers) if (server.priority < best.priority) best = server
  return best.id
}

/**
 * Plans a config change: unchanged and merely renamed/reweighted servers keep their health, queue,
 * failures and lock; servers whose URL or headers changed start over as unknown.
 */
export function planConfig(
  previous: ReadonlyMap<string, ServerConfig>,
  current: (id: string) => ServerSnapshot | undefined,
  next: BalancerConfig,
): { snapshots: ServerSnapshot[]; diff: ConfigDiff; kept: ReadonlySet<string> } {
  const kept = new Set<string>()
  const added: string[] = []
  const changed: string[] = []
  const snapshots = next.servers.map((server, index) => {
    const before = previous.get(server.id)
    const snapshot = current(server.id)
    if (!before) added.push(server.id)
    else if (!sameConfig(before, server)) changed.push(server.id)
    if (before && snapshot && sameEndpoint(before, server)) {
      kept.add(server.id)
      return reconfigured(snapshot, server, index)
    }
    return initialSnapshot(server, index)
  })
  const nextIds = new Set(next.servers.map((server) => server.id))
  const removed = [...previous.keys()].filter((id) => !nextIds.has(id))
  return { snapshots, diff: { added, removed, changed }, kept }
}
