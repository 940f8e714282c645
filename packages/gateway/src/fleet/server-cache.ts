import type { FleetRequestError } from './errors'
import type { FleetServer } from './server-target'

/** One server's answer to one route: its parsed value, or why there is none. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: FleetRequestError }

/** How long answers stay usable, and whether an old one is served while a new one is read. */
export interface CachePolicy {
  /** An answer younger than this is served without asking the server. */
  readonly ttlMs: number
  /** A failure younger than this is served (the server skipped) without asking again. */
  readonly failureTtlMs: number
  /**
   * Serve an expired answer at once and read a new one in the background (stale-while-revalidate),
   * and retry a failed server in the background rather than making the caller wait for it. For
   * `/object_info`: a big install takes seconds to build it and a hung server a whole timeout, and a
   * client loading its UI should wait for neither.
   */
  readonly background: boolean
}

interface Entry<T> {
  /** The server as configured when the entry was made: a new URL or new headers start afresh. */
  readonly server: FleetServer
  /** The last outcome and when it came; undefined before the first read ends. */
  last?: Outcome<T>
  at: number
  /** The last good value, served while a newer one is read in the background. */
  value?: { readonly value: T }
  /** Set by `invalidate`: the next read waits for a new answer. */
  stale: boolean
  /** Bumped by `invalidate`, so a read started before it does not count as new. */
  generation: number
  inflight?: Promise<Outcome<T>> | undefined
}

/**
 * One route's answers (e.g. `/object_info`, or `/models/loras`), per server: served from cache while
 * fresh, with at most one read in flight per server that every concurrent caller shares.
 */
export class ServerCache<T> {
  readonly #entries = new Map<string, Entry<T>>()
  readonly #policy: CachePolicy
  readonly #now: () => number
  readonly #load: (server: FleetServer) => Promise<Outcome<T>>
  readonly #settled: (server: FleetServer, outcome: Outcome<T>) => void

  /**
   * @param load reads one server; must not reject.
   * @param settled told of every read's outcome once the cache holds it, so a listener that reads
   *   again sees what it was told about.
   */
  constructor(
    policy: CachePolicy,
    now: () => number,
    load: (server: FleetServer) => Promise<Outcome<T>>,
    settled: (server: FleetServer, outcome: Outcome<T>) => void = () => undefined,
  ) {
    this.#policy = policy
    this.#now = now
    this.#load = load
    this.#settled = settled
  }

  /** This server's answer: cached, shared with a read in flight, or read now. */
  read(server: FleetServer): Outcome<T> | Promise<Outcome<T>> {
    const entry = this.#entry(server)
    const { last } = entry
    if (last !== undefined && !entry.stale) {
      const age = this.#now() - entry.at
      if (last.ok ? age < this.#policy.ttlMs : age < this.#policy.failureTtlMs) return last
      if (this.#policy.background) {
        this.#start(entry)
        // A server whose last read failed stays skipped until a background retry succeeds.
        return last.ok && entry.value !== undefined ? { ok: true, value: entry.value.value } : last
      }
    }
    return entry.inflight ?? this.#start(entry)
  }

  /** Marks one server's answer (or every server's) as outdated: the next read waits for a new one. */
  invalidate(serverId?: string): void {
    for (const [id, entry] of this.#entries) {
      if (serverId !== undefined && id !== serverId) continue
      entry.stale = true
      entry.generation += 1
      // A read started before the change may carry the old answer: the next read starts its own.
      entry.inflight = undefined
    }
  }

  /** Starts a read of every server (or one) this cache has answers for, without waiting for it. */
  refresh(serverId?: string): void {
    for (const [id, entry] of this.#entries) {
      if (serverId === undefined || id === serverId) this.#start(entry)
    }
  }

  /** Drops the answers of servers no longer configured. */
  retain(servers: readonly FleetServer[]): void {
    if (this.#entries.size === 0) return
    const ids = new Set(servers.map((server) => server.id))
    for (const id of this.#entries.keys()) if (!ids.has(id)) this.#entries.delete(id)
  }

  #entry(server: FleetServer): Entry<T> {
    const known = this.#entries.get(server.id)
    if (known !== undefined && sameServer(known.server, server)) return known
    const entry: Entry<T> = { server, at: 0, stale: false, generation: 0 }
    this.#entries.set(server.id, entry)
    return entry
  }

  #start(entry: Entry<T>): Promise<Outcome<T>> {
    if (entry.inflight !== undefined) return entry.inflight
    const generation = entry.generation
    const read = this.#load(entry.server).then((outcome) => {
      if (entry.inflight === read) entry.inflight = undefined
      // Only the newest read counts: one started before `invalidate` may hold the old answer.
      if (generation === entry.generation && this.#entries.get(entry.server.id) === entry) {
        entry.last = outcome
        entry.at = this.#now()
        entry.stale = false
        if (outcome.ok) entry.value = { value: outcome.value }
      }
      this.#settled(entry.server, outcome)
      return outcome
    })
    entry.inflight = read
    return read
  }
}

function sameServer(a: FleetServer, b: FleetServer): boolean {
  if (a === b) return true
  if (a.url !== b.url) return false
  const left = Object.entries(a.headers ?? {})
  const right = b.headers ?? {}
  return left.length === Object.keys(right).length && left.every(([name, value]) => right[name] === value)
}
