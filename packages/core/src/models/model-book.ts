import { modelsChanged } from '../balancer/server-reducer.js'
import type { BalancerStore } from '../balancer/store.js'
import type { ModelState, ServerSnapshot } from '../contracts/server.js'
import { ewma } from '../util/ewma.js'
import { heldAfter } from './model-state.js'

/** Weight of a new load-time sample (loads of one file on one disk vary little). */
const LOAD_ALPHA = 0.3
/** A loader that ran faster than this found its model already loaded: not a load-time sample. */
const HELD_BELOW_MS = 100

/**
 * Keeps each server's {@link ModelState} in its snapshot: which models it holds (the models of the
 * prompts it was given, in order) and how long each load took there.
 */
export class ModelBook {
  constructor(
    private readonly store: BalancerStore,
    /** The config's `modelSlots` for a server, if given. */
    private readonly slotsHint: (serverId: string) => number | undefined,
  ) {}

  /** A prompt that uses `models` was accepted by the server: it will hold them once it runs it. */
  assigned(serverId: string, models: readonly string[]): void {
    if (models.length === 0) return
    this.store.update(serverId, (server) => {
      const state = this.#state(server)
      return modelsChanged(server, { ...state, held: heldAfter(state.held, models, state.slots) })
    })
  }

  /** A loader node for `model` ran for `ms` there (not served from cache). */
  loaded(serverId: string, model: string, ms: number): void {
    if (!(ms >= HELD_BELOW_MS) || !Number.isFinite(ms)) return
    this.store.update(serverId, (server) => {
      const state = this.#state(server)
      const loadMs = { ...state.loadMs, [model]: Math.round(ewma(state.loadMs[model], ms, LOAD_ALPHA)) }
      return modelsChanged(server, { ...state, loadMs })
    })
  }

  /** The server restarted or its config changed: it holds nothing now (load times stay). */
  emptied(serverId: string): void {
    this.store.update(serverId, (server) =>
      server.models === undefined || server.models.held.length === 0
        ? server
        : modelsChanged(server, { ...server.models, held: [] }),
    )
  }

  #state(server: ServerSnapshot): ModelState {
    const slots = this.slotsHint(server.id) ?? server.models?.slots ?? 1
    return server.models === undefined ? { held: [], slots, loadMs: {} } : { ...server.models, slots }
  }
}
