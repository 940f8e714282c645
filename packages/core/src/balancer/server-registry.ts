import type { BalancerConfig } from '../config/types.js'
import type { ServerConfig } from '../contracts/server.js'
import { InvalidArgumentError, UnknownServerError } from '../errors/server-errors.js'
import { redactText, redactUrl } from '../util/redact.js'
import { type RequestTarget, toRequestTarget } from '../util/request-target.js'
import type { InFlightCounter } from './in-flight.js'
import type { ServerRef } from './options.js'

/**
 * The config in force and, per configured server, its settings and in-flight counter. Resolves
 * what callers pass to name a server (id, URL, redacted URL or snapshot) to its id.
 */
export class ServerRegistry {
  #config: BalancerConfig | undefined
  #servers = new Map<string, ServerConfig>()
  #counters = new Map<string, InFlightCounter>()

  /** The config in force, undefined until the first one is applied. */
  get config(): BalancerConfig | undefined {
    return this.#config
  }

  /** The config in force; throws when none is yet (a source still loading). */
  settings(): BalancerConfig {
    if (!this.#config)
      throw new InvalidArgumentError('The balancer has no config yet: await balancer.ready() first.')
    return this.#config
  }

  /** Each configured server's settings, by id. */
  get servers(): ReadonlyMap<string, ServerConfig> {
    return this.#servers
  }

  serverConfig(id: string): ServerConfig | undefined {
    return this.#servers.get(id)
  }

  counter(id: string): InFlightCounter | undefined {
    return this.#counters.get(id)
  }

  has(id: string): boolean {
    return this.#servers.has(id)
  }

  ids(): string[] {
    return [...this.#servers.keys()]
  }

  /** The real base URL of a configured server (with credentials, if any). */
  url(id: string): string {
    return this.#servers.get(id)!.url
  }

  /** Where to send requests for a server, or undefined when it left the config. */
  target(id: string): RequestTarget | undefined {
    const config = this.#servers.get(id)
    return config ? toRequestTarget(config.url, config.headers) : undefined
  }

  /** Puts a new config in force, with one counter per server. */
  replace(config: BalancerConfig, counters: Map<string, InFlightCounter>): void {
    this.#config = config
    this.#servers = new Map(config.servers.map((server) => [server.id, server]))
    this.#counters = counters
  }

  /** The id of the server `server` names; throws `UnknownServerError` when none matches. */
  resolve(server: ServerRef): string {
    const ref = typeof server === 'string' ? server : server?.id
    if (typeof ref !== 'string') {
      throw new InvalidArgumentError(`Expected a server id, URL or snapshot, received ${typeof server}.`)
    }
    if (this.#servers.has(ref)) return ref
    const trimmed = ref.replace(/\/+$/, '')
    for (const config of this.#servers.values()) {
      if (config.url === trimmed || redactUrl(config.url) === trimmed) return config.id
    }
    throw new UnknownServerError(redactText(ref), this.ids())
  }
}
