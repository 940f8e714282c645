import type { BalancerConfig } from '../config/types.js'
import type { ServerConfig, ServerSnapshot } from '../contracts/server.js'
import { initialSnapshot, reconfigured } from './server-reducer.js'

/** Which servers a new config adds, removes and changes, by id. */
export interface ConfigDiff {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly changed: readonly string[]
  /** Settings that changed, as paths: `autoSwitch`, `probe.cacheMs`, `jobs.maxAttempts`, … */
  readonly settings: readonly string[]
}

/** True when a diff says nothing changed (a reload of the same config). */
export function isEmptyDiff(diff: ConfigDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length + diff.settings.length === 0
}

/** Which settings (everything but the server list) differ between two configs. */
export function settingsDiff(before: BalancerConfig | undefined, after: BalancerConfig): string[] {
  if (!before) return []
  const changed: string[] = []
  for (const key of ['autoSwitch', 'fallback', 'failureHistory'] as const) {
    if (before[key] !== after[key]) changed.push(key)
  }
  for (const group of ['probe', 'jobs', 'outlier'] as const) {
    const a = before[group] as unknown as Record<string, unknown>
    const b = after[group] as unknown as Record<string, unknown>
    for (const key of Object.keys(b)) if (a[key] !== b[key]) changed.push(`${group}.${key}`)
  }
  return changed
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
  previousConfig?: BalancerConfig,
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
  const settings = settingsDiff(previousConfig, next)
  // Order changes matter (the primary may move) even when no server's own fields did.
  const reordered =
    previousConfig !== undefined &&
    previousConfig.servers.map((server) => server.id).join('\n') !==
      next.servers.map((server) => server.id).join('\n')
  if (reordered && added.length + removed.length + changed.length === 0) settings.push('servers.order')
  return { snapshots, diff: { added, removed, changed, settings }, kept }
}
