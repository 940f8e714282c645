import { modelsChanged } from '../balancer/server-reducer.js'
import type { BalancerStore } from '../balancer/store.js'
import type { ModelState, ServerSnapshot } from '../contracts/server.js'
import { ewma } from '../util/ewma.js'
import { heldAfter } from './model-state.js'

/** Weight of a new load-time sample (loads of one file on one disk vary little). */
const LOAD_ALPHA = 0.3
/** A loader that ran faster than this found its model already loaded: not a load-time sample. */
const HELD_BELOW_MS = 100
/** …or faster than this share of the model's known load time there. */
const HELD_BELOW_SHARE = 0.25
/** The most models a GPU is believed to keep loaded when no `modelSlots` hint says. */
const MAX_LEARNED_SLOTS = 8

/**
 * Keeps each server's {@link ModelState} in its snapshot: which models it holds (the models of the
 * prompts it was given, in order) and how long each load took there.
 */
export class ModelBook {
  /** Per server, the distinct models its loaders ran, least recent first: what it really ran. */
  readonly #ran = new Map<string, string[]>()

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

  /**
   * A loader node for `model` ran for `ms` there, or was served from cache (`undefined`). A load
   * time feeds `loadMs`; without a `modelSlots` hint, how many models the GPU keeps is learned from
   * what ran: a model used 3 distinct models ago that did not load means at least 3 slots, one used
   * 2 ago that loaded means fewer than 2.
   */
  /** Returns whether it was a load from disk (a timed run not fast enough to have been held). */
  loaded(serverId: string, model: string, ms: number | undefined): boolean {
    const ran = this.#ran.get(serverId) ?? []
    const at = ran.indexOf(model)
    const ago = at < 0 ? undefined : ran.length - at
    if (at >= 0) ran.splice(at, 1)
    ran.push(model)
    if (ran.length > MAX_LEARNED_SLOTS + 1) ran.shift()
    this.#ran.set(serverId, ran)
    if (ms === undefined || !Number.isFinite(ms)) return false
    let fromDisk = false
    const hinted = this.slotsHint(serverId) !== undefined
    this.store.update(serverId, (server) => {
      const state = this.#state(server)
      // Much faster than this model's loads there: it was held (the rest is message latency).
      const known = state.loadMs[model]
      const held = ms < Math.max(HELD_BELOW_MS, known === undefined ? 0 : known * HELD_BELOW_SHARE)
      fromDisk = !held
      let slots = state.slots
      if (!hinted && ago !== undefined) {
        if (held && ago > slots) slots = Math.min(MAX_LEARNED_SLOTS, ago)
        else if (!held && ago <= slots) slots = Math.max(1, ago - 1)
      }
      const loadMs = held
        ? state.loadMs
        : { ...state.loadMs, [model]: Math.round(ewma(state.loadMs[model], ms, LOAD_ALPHA)) }
      if (slots === state.slots && loadMs === state.loadMs) return server
      // More slots than thought: what ran before is held too, under what was given since.
      const nowHeld =
        slots > state.slots ? heldAfter(ran.slice(-slots), state.held, slots) : state.held.slice(-slots)
      return modelsChanged(server, { ...state, slots, held: nowHeld, loadMs })
    })
    return fromDisk
  }

  /** The server restarted or its config changed: it holds nothing now (load times stay). */
  emptied(serverId: string): void {
    this.#ran.delete(serverId)
    this.store.update(serverId, (server) =>
      server.models === undefined || server.models.held.length === 0
        ? server
        : modelsChanged(server, { ...server.models, held: [] }),
    )
  }

  /** Forgets servers that left the config. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#ran.keys()) if (!ids.has(id)) this.#ran.delete(id)
  }

  #state(server: ServerSnapshot): ModelState {
    const slots = this.slotsHint(server.id) ?? server.models?.slots ?? 1
    return server.models === undefined ? { held: [], slots, loadMs: {} } : { ...server.models, slots }
  }
}
