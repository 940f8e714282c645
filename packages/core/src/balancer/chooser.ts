import type { ServerSnapshot } from '../contracts/server.js'
import { StrategyError } from '../errors/server-errors.js'
import type { Freshness } from './freshness.js'
import type { InFlightCounter, InFlightTicket } from './in-flight.js'
import type { AcquireOptions, Lease } from './options.js'
import type { BalancerParts } from './parts.js'
import { selectServer } from './selection.js'
import { withInFlight } from './server-reducer.js'

type ChooserParts = Pick<
  BalancerParts,
  | 'clock'
  | 'random'
  | 'strategy'
  | 'store'
  | 'servers'
  | 'monitor'
  | 'effects'
  | 'shared'
  | 'sockets'
  | 'lifetime'
  | 'reportError'
>

/** Choices tried per acquire() against other instances' reservations before taking the last one. */
const MAX_RESERVATIONS = 3
const NO_OPTIONS: AcquireOptions = {}

/** One server handed out, with the ticket that counts the job as in flight there. */
interface Choice {
  readonly server: ServerSnapshot
  readonly url: string
  readonly counter: InFlightCounter
  readonly ticket: InFlightTicket
}

/**
 * Chooses the server for each job (`getOptimalServer()`, `acquire()`): on a warm cache at once,
 * else after a refresh; counts the job as in flight there; with a shared state store, confirms the
 * choice against the other instances' counts first.
 */
export class Chooser {
  constructor(
    private readonly parts: ChooserParts,
    private readonly freshness: Freshness,
  ) {}

  /** The base URL of the best server for the next job. */
  url(options: AcquireOptions = NO_OPTIONS): Promise<string> {
    if (this.parts.shared) return this.#whenWarm(() => this.#confirmed(options)).then((c) => c.url)
    return this.#whenWarm(() => this.#choose(options).url)
  }

  /**
   * A lease on the best server for one job. `planned`: the job was already planned on the current
   * snapshot (late binding's hand-over), so a stale cache is refreshed in the background rather than
   * waited for — a hung server's probe timeout must not hold a planned hand-over up.
   */
  acquire(options: AcquireOptions = NO_OPTIONS, planned = false): Promise<Lease> {
    const lease = (choice: Choice): Lease => ({
      server: choice.server,
      url: choice.url,
      release: () => this.#release(choice),
    })
    if (this.parts.shared) return this.#whenWarm(() => this.#confirmed(options), planned).then(lease)
    return this.#whenWarm(() => lease(this.#choose(options)), planned)
  }

  #release(choice: Choice): void {
    const { counter, ticket, server } = choice
    if (counter.release(ticket)) this.parts.store.update(server.id, (s) => withInFlight(s, counter.total))
  }

  /**
   * With a shared store: choose, then confirm the choice with the store's atomic count. If other
   * instances took the server meanwhile (their jobs were not yet known here), choose again with the
   * count now known — a reservation, so several instances do not all pile onto the same idle server.
   */
  async #confirmed(options: AcquireOptions): Promise<Choice> {
    for (let attempt = 1; ; attempt++) {
      const choice = this.#choose(options)
      const believed = choice.counter.others
      const others = await this.parts.shared?.reserve(choice.server.id)
      if (others === undefined || others <= believed || attempt === MAX_RESERVATIONS) return choice
      this.#release(choice)
      this.parts.lifetime.assertLive('acquire a server')
    }
  }

  /**
   * Runs `choose` at once on a warm cache (the hot path: no awaits), else after a refresh — or, when
   * `stale` choices are fine and every server was probed once, at once while a refresh runs.
   */
  #whenWarm<T>(choose: () => T | Promise<T>, stale = false): Promise<T> {
    const { lifetime, sockets, servers } = this.parts
    try {
      lifetime.assertLive('acquire a server')
      sockets.openIfWanted(servers.config)
      if (this.freshness.isWarm()) return Promise.resolve(choose())
      if (stale && this.freshness.isProbed()) {
        void this.freshness.ensureFresh().catch(() => undefined)
        return Promise.resolve(choose())
      }
    } catch (error) {
      return Promise.reject(error)
    }
    return this.freshness.ensureFresh().then(() => {
      lifetime.assertLive('acquire a server')
      return choose()
    })
  }

  #choose(options: AcquireOptions): Choice {
    const { clock, monitor, servers, store, strategy, random, effects } = this.parts
    const now = clock.now()
    monitor.kickDue(now)
    const config = servers.settings()
    const meta = store.meta
    const selection = selectServer({
      servers: store.servers,
      primary: store.get(meta.primaryId),
      autoSwitch: config.autoSwitch,
      fallback: config.fallback,
      panicThreshold: config.outlier.enabled ? config.outlier.panicThreshold : 0,
      strategy,
      ctx: {
        now,
        random,
        ...(meta.lock ? { lock: meta.lock } : {}),
        ...(options.job ? { job: options.job } : {}),
      },
    })
    if (selection.strategyError !== undefined) {
      this.parts.reportError(new StrategyError(strategy.name, selection.strategyError))
    }
    const chosen = selection.server
    effects.chosen(chosen, selection.reason, now)
    const counter = servers.counter(chosen.id)!
    const ticket = counter.take()
    const server = store.update(chosen.id, (s) => withInFlight(s, counter.total)) ?? chosen
    effects.reported(server, selection.reason, selection.candidates)
    return { server, url: servers.url(chosen.id), counter, ticket }
  }
}
