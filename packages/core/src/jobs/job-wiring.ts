import type { Lease } from '../balancer/options.js'
import type { BalancerParts } from '../balancer/parts.js'
import type { JobHints } from '../contracts/strategy.js'
import { ComfyClient, jobTarget } from './comfy-client.js'
import { JobService } from './job-service.js'

/** How long other instances can find a prompt's server through a shared state store. */
const OWNERSHIP_TTL_MS = 3_600_000

/** What the job API takes from the balancer facade itself (its public, checked calls). */
export interface JobFacade {
  acquire(job: JobHints | undefined, planned?: boolean): Promise<Lease>
  recordJobDuration(serverId: string, durationMs: number): void
}

/**
 * Builds the job API (`submit`, `result`, `run`, `interrupt`, `viewUrl`) over a balancer's parts:
 * where to send requests, what the job path tells the health monitor, and ownership shared with
 * other app instances through the state store.
 */
export function createJobService(
  parts: Pick<
    BalancerParts,
    | 'clock'
    | 'random'
    | 'logger'
    | 'events'
    | 'clientId'
    | 'newPromptId'
    | 'fetch'
    | 'servers'
    | 'monitor'
    | 'shared'
    | 'sockets'
    | 'fit'
    | 'models'
  >,
  facade: JobFacade,
): JobService {
  const { servers, monitor, shared, sockets } = parts
  return new JobService(
    {
      clock: parts.clock,
      random: parts.random,
      logger: parts.logger,
      events: parts.events,
      clientId: parts.clientId,
      settings: () => servers.settings().jobs,
      newPromptId: parts.newPromptId,
      acquire: (job, planned) => facade.acquire(job, planned),
      target: (id) => {
        const config = servers.serverConfig(id)
        return config ? jobTarget(config) : undefined
      },
      observe: (id, observation) => {
        if (servers.has(id)) monitor.observe(id, observation)
      },
      recordJobDuration: (id, ms) => {
        if (servers.has(id)) facade.recordJobDuration(id, ms)
      },
      fit: parts.fit,
      serverIds: () => servers.ids(),
      assigned: (id, models) => parts.models.assigned(id, models),
      modelLoaded: (id, model, ms) => {
        if (parts.models.loaded(id, model, ms) && ms !== undefined)
          parts.events.emit('model-loaded', { serverId: id, model, ms })
      },
      shareOwner: (promptId, serverId) => shared?.owned(promptId, serverId, OWNERSHIP_TTL_MS),
      findOwner: (promptId) => shared?.ownerOf(promptId) ?? Promise.resolve(undefined),
      pushes: (id) => sockets.isOpen(id),
      onPrompt: (promptId, listener) => sockets.onPrompt(promptId, listener),
      socketEpoch: (id) => sockets.openEpoch(id),
      watchedThrough: (id, epoch) => sockets.watchedThrough(id, epoch),
    },
    new ComfyClient(parts.fetch, parts.clock),
  )
}
