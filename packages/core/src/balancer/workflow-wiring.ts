import { CapabilityBook } from '../capabilities/capability-book.js'
import { JobFit } from '../capabilities/job-fit.js'
import { jobTarget } from '../jobs/comfy-client.js'
import { ModelBook } from '../models/model-book.js'
import type { BalancerParts } from './parts.js'
import { capabilitiesRead } from './server-reducer.js'

/**
 * The parts of workflow-aware routing: each server's capabilities (read from `/object_info` off the
 * hot path), where a job fits, and the models each server holds — and when they are read again.
 */
export function wireWorkflowRouting(
  parts: Pick<
    BalancerParts,
    'clock' | 'fetch' | 'logger' | 'store' | 'events' | 'servers' | 'sockets' | 'reportError'
  >,
): Pick<BalancerParts, 'capabilities' | 'fit' | 'models'> {
  const { store, events, servers } = parts
  const capabilities = new CapabilityBook({
    clock: parts.clock,
    fetch: parts.fetch,
    logger: parts.logger,
    // The config's own object: no allocation on a lookup (verdicts run per job and server).
    settings: () => servers.config?.probe,
    url: (id) => servers.serverConfig(id)?.url,
    target: (id) => {
      const config = servers.serverConfig(id)
      return config ? jobTarget(config) : undefined
    },
    epoch: (id) => parts.sockets.openEpoch(id),
    read: (id, summary) => store.update(id, (s) => capabilitiesRead(s, summary)),
    failed: (error) => parts.reportError(error, undefined, error.serverId),
  })
  const models = new ModelBook(store, (id) => servers.serverConfig(id)?.modelSlots)
  // Read what a server can run once it answers; again after it was down (it may have restarted
  // with other custom nodes), and then it holds no model.
  events.on('health-changed', ({ server, previous, health }) => {
    if (health !== 'healthy') return
    if (previous === 'unhealthy') {
      capabilities.invalidate(server.id)
      models.emptied(server.id)
    } else capabilities.ensure(server.id)
  })
  events.on('config-changed', () => {
    const ids = new Set(servers.ids())
    capabilities.retain(ids)
    models.retain(ids)
  })
  return { capabilities, fit: new JobFit(capabilities), models }
}
