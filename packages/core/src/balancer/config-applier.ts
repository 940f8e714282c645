import type { BalancerConfig } from '../config/types.js'
import { type ConfigDiff, isEmptyDiff, planConfig, primaryOf } from './config-diff.js'
import { InFlightCounter } from './in-flight.js'
import type { BalancerParts } from './parts.js'

type ApplierParts = Pick<
  BalancerParts,
  'store' | 'servers' | 'monitor' | 'shared' | 'sockets' | 'logger' | 'events'
>

/**
 * Puts a validated config in force, in place: servers kept keep their state and in-flight counts,
 * added or re-pointed ones start unprobed (and are probed at once), removed ones are forgotten, and
 * a lock on a removed server is dropped. Emits `config-changed` for every change after the first.
 */
export function applyConfig(parts: ApplierParts, config: BalancerConfig): ConfigDiff {
  const { store, servers, monitor, shared, sockets, logger, events } = parts
  const previous = servers.config
  const plan = planConfig(servers.servers, (id) => store.get(id), config, previous)
  const counters = new Map<string, InFlightCounter>()
  for (const server of config.servers) {
    counters.set(
      server.id,
      (plan.kept.has(server.id) && servers.counter(server.id)) ||
        new InFlightCounter(server.id, shared ? (c) => shared.localChanged(c) : undefined),
    )
    if (!plan.kept.has(server.id)) monitor.added(server.id)
  }
  for (const id of plan.diff.removed) monitor.removed(id)
  servers.replace(config, counters)
  const lock = store.meta.lock
  if (lock && !plan.kept.has(lock.serverId)) store.setLock(undefined)
  store.replaceServers(plan.snapshots, primaryOf(config.servers))
  sockets.sync(config.servers.map((server) => server.id))
  if (previous !== undefined && !isEmptyDiff(plan.diff)) {
    logger.info('config applied', { ...plan.diff })
    events.emit('config-changed', plan.diff)
    // Let added or re-pointed servers be probed right away rather than at the next selection.
    for (const id of monitor.unprobed) void monitor.probe(id)
  }
  return plan.diff
}
