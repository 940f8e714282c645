import type { RequestHandler, WebSocketHandler } from 'msw'
import { createComfyModel } from '../model/comfy-model'
import type { ComfyModel, ComfyModelOptions, ModelClock } from '../model/types'
import { comfyHandlers } from './handlers'
import { comfyWebSocketHandlers } from './ws-handlers'

/** One server of {@link createMswCluster}: its base URL plus the model options. */
export interface ClusterServerSpec extends Omit<ComfyModelOptions, 'clock'> {
  /** Base URL, e.g. `http://gpu-a.test:8188`. */
  url: string
}

/** A simulated cluster: the models by URL, their msw handlers and a lookup. */
export interface MswCluster {
  /** Models keyed by the URL given in the spec. */
  models: Map<string, ComfyModel>
  /** Pass to `setupServer(...)` or `server.use(...)`: HTTP routes and each server's `/ws`. */
  handlers: Array<RequestHandler | WebSocketHandler>
  /** The model with this URL or id; throws when there is none, to catch typos in tests. */
  model(urlOrId: string): ComfyModel
}

/**
 * Creates one simulated server per spec, all on `clock`, and the msw handlers that serve them.
 * A server's id defaults to its URL.
 *
 * @example
 * ```ts
 * const clock = createTestClock()
 * const cluster = createMswCluster([{ url: 'http://gpu-a.test:8188' }, { url: 'http://gpu-b.test:8188', speed: 2 }], clock)
 * const server = setupServer(...cluster.handlers)
 * ```
 */
export function createMswCluster(specs: readonly ClusterServerSpec[], clock: ModelClock): MswCluster {
  const models = new Map<string, ComfyModel>()
  const byId = new Map<string, ComfyModel>()
  for (const { url, ...options } of specs) {
    if (models.has(url)) throw new Error(`createMswCluster: the URL ${url} appears twice.`)
    const model = createComfyModel({ ...options, id: options.id ?? url, clock })
    models.set(url, model)
    byId.set(model.id, model)
  }
  return {
    models,
    handlers: [...comfyHandlers(models), ...comfyWebSocketHandlers(models)],
    model(urlOrId) {
      const model = models.get(urlOrId) ?? byId.get(urlOrId)
      if (model === undefined) {
        throw new Error(
          `createMswCluster: no server with URL or id "${urlOrId}"; known: ${[...models.keys()].join(', ')}.`,
        )
      }
      return model
    },
  }
}
