import type { ComfyClient } from './comfy-client.js'
import type { JobHost } from './host.js'

/** At most this many prompt ids remembered per server. */
const MAX_PER_SERVER = 1_000

/**
 * Copies of prompts left on servers the balancer gave up on (a POST whose fate it could not learn,
 * an owner that stayed unreachable). When such a server answers again, every copy of a prompt that
 * now lives elsewhere is removed there, so no job runs twice.
 */
export class StaleCopies {
  readonly #byServer = new Map<string, Set<string>>()

  constructor(
    private readonly host: JobHost,
    private readonly client: ComfyClient,
    /** The server that holds the prompt now, if the balancer knows it. */
    private readonly ownerOf: (promptId: string) => string | undefined,
  ) {
    host.events.on('health-changed', (event) => {
      if (event.health === 'healthy') void this.sweep(event.server.id)
    })
  }

  /** `serverId` may still hold a copy of `promptId`: remove it there once it answers. */
  remember(serverId: string, promptId: string): void {
    let ids = this.#byServer.get(serverId)
    if (!ids) {
      ids = new Set()
      this.#byServer.set(serverId, ids)
    }
    if (ids.size < MAX_PER_SERVER) ids.add(promptId)
  }

  /** The server answers again: remove its copies of prompts that now live elsewhere. */
  async sweep(serverId: string): Promise<void> {
    const ids = this.#byServer.get(serverId)
    const target = this.host.target(serverId)
    if (!ids || !target) return
    this.#byServer.delete(serverId)
    const timeoutMs = this.host.settings().requestTimeoutMs
    for (const promptId of ids) {
      if (this.ownerOf(promptId) === serverId) continue
      await this.client.deleteQueued(target, promptId, { timeoutMs })
      await this.client.interrupt(target, promptId, { timeoutMs })
      this.host.logger.info(`removed a stale copy of ${promptId} from ${serverId}`)
    }
  }
}
