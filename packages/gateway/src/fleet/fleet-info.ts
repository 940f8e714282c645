import type { FetchLike } from '@comfy-balancer/core'
import { systemClock } from '@comfy-balancer/core/internal'
import type { Features, NodeInfo, ObjectInfo, SystemStats } from './comfy-shapes'
import { FleetInfoUnavailableError, FleetRequestError, type FleetRoutePath } from './errors'
import { FLEET_INFO_DEFAULTS, type FleetClock, type FleetInfoOptions } from './fleet-info-options'
import { FLEET_ROUTES, type FleetRouteSpec } from './fleet-routes'
import { type FleetTimers, readJson } from './read-json'
import type { ServerAnswer } from './server-answer'
import { type Outcome, ServerCache } from './server-cache'
import { type FleetServer, routeUrl, serverTarget } from './server-target'

/** At most this many `/models/{folder}` answers are kept: the folder name comes from clients. */
const MAX_FOLDER_ROUTES = 64

interface RouteState<T, R> {
  readonly cache: ServerCache<T>
  /** The last merged answer, served when no server answers. */
  last?: { readonly value: R }
  /** The answers the last merge was made from, to skip merging the same answers again. */
  memo?: { readonly answers: readonly ServerAnswer<T>[]; readonly merged: R }
}

/**
 * "One virtual ComfyUI" for the fleet's info routes: reads `/object_info`, `/models`,
 * `/models/{folder}`, `/embeddings`, `/extensions`, `/features` and `/system_stats` from every server
 * and answers with their merge (see the `merge*` functions), from a per-server, per-route cache.
 *
 * - Servers that fail are skipped (the answer is the merge of those that answered) and reported
 *   through `onError`. When none answers, the last merged answer is served; when there never was
 *   one, the call rejects with {@link FleetInfoUnavailableError}.
 * - Concurrent callers share one request per server and route.
 * - Answers are shared, not copied: treat them as read-only.
 * - Credentials in server URLs and headers are sent to the servers only, never put in errors.
 *
 * @example
 * ```ts
 * const fleet = new FleetInfo({ servers: [{ id: 'gpu-a', url: 'http://10.0.0.5:8188' }] })
 * reply.send(await fleet.objectInfo())
 * const files = await fleet.modelFiles('loras')
 * if (files === undefined) reply.code(404).send()
 * ```
 */
export class FleetInfo {
  readonly #servers: () => readonly FleetServer[]
  readonly #fetch: FetchLike
  readonly #clock: FleetClock
  readonly #timers: FleetTimers
  readonly #settings: typeof FLEET_INFO_DEFAULTS
  readonly #onError: FleetInfoOptions['onError']
  readonly #states = new Map<FleetRoutePath, RouteState<unknown, unknown>>()
  readonly #closed = new AbortController()

  constructor(options: FleetInfoOptions) {
    const { servers } = options
    this.#servers = typeof servers === 'function' ? servers : () => servers
    // Looked up per request, so a fetch mock installed after construction still applies.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.#clock = options.clock ?? systemClock
    const clock = this.#clock
    // Timeouts follow the injected clock when it has timers, so tests drive them without waiting.
    this.#timers =
      clock.setTimeout !== undefined && clock.clearTimeout !== undefined
        ? {
            setTimeout: (callback, ms) => clock.setTimeout!(callback, ms),
            clearTimeout: (handle) => clock.clearTimeout!(handle),
          }
        : systemClock
    const settings: Record<string, number> = { ...FLEET_INFO_DEFAULTS }
    for (const name of Object.keys(FLEET_INFO_DEFAULTS) as (keyof typeof FLEET_INFO_DEFAULTS)[]) {
      const value = options[name]
      if (value === undefined) continue
      if (!(typeof value === 'number' && value >= 0)) {
        throw new RangeError(`FleetInfo: ${name} must be a number ≥ 0, got ${String(value)}.`)
      }
      settings[name] = value
    }
    this.#settings = settings as unknown as typeof FLEET_INFO_DEFAULTS
    this.#onError = options.onError
  }

  /** `GET /object_info`: every node class of the fleet, COMBO lists merged. */
  objectInfo(): Promise<ObjectInfo> {
    return this.#read(FLEET_ROUTES.objectInfo, '/object_info')
  }

  /**
   * `GET /object_info/{class}`, as ComfyUI answers it: `{[className]: info}`, or `{}` for a class no
   * server has. Taken from the merged `/object_info`, so both agree.
   */
  async objectInfoOf(className: string): Promise<Record<string, NodeInfo>> {
    const all = await this.objectInfo()
    return Object.hasOwn(all, className) ? Object.fromEntries([[className, all[className]!]]) : {}
  }

  /** `GET /models`: every model folder of the fleet. */
  modelFolders(): Promise<string[]> {
    return this.#read(FLEET_ROUTES.modelFolders, '/models')
  }

  /**
   * `GET /models/{folder}`: its files on every server, or `undefined` when no answering server has
   * the folder; answer that with a bare 404, as ComfyUI does.
   */
  modelFiles(folder: string): Promise<string[] | undefined> {
    return this.#read(FLEET_ROUTES.modelFiles, `/models/${encodeURIComponent(folder)}`)
  }

  /** `GET /embeddings`: every embedding name of the fleet. */
  embeddings(): Promise<string[]> {
    return this.#read(FLEET_ROUTES.embeddings, '/embeddings')
  }

  /** `GET /extensions`: every front-end extension script URL of the fleet. */
  extensions(): Promise<string[]> {
    return this.#read(FLEET_ROUTES.extensions, '/extensions')
  }

  /** `GET /features`: the feature flags every answering server supports. */
  features(): Promise<Features> {
    return this.#read(FLEET_ROUTES.features, '/features')
  }

  /** `GET /system_stats`: the oldest version's system block and every server's devices. */
  systemStats(): Promise<SystemStats> {
    return this.#read(FLEET_ROUTES.systemStats, '/system_stats')
  }

  /**
   * Marks one server's answers (or every server's) as outdated, e.g. after models were added or
   * custom nodes installed there: the next read of each route waits for a new answer. Its
   * `/object_info` is read again at once, in the background, so that wait is short.
   */
  invalidate(serverId?: string): void {
    for (const state of this.#states.values()) state.cache.invalidate(serverId)
    this.#states.get('/object_info')?.cache.refresh(serverId)
  }

  /** Ends every request in flight and forgets every answer. Reads after this fail. */
  close(): void {
    this.#closed.abort()
    this.#states.clear()
  }

  async #read<T, R>(spec: FleetRouteSpec<T, R>, route: FleetRoutePath): Promise<R> {
    const servers = this.#serverList()
    const state = this.#state(spec, route)
    state.cache.retain(servers)
    const outcomes = await Promise.all(servers.map((server) => state.cache.read(server)))
    const answers: ServerAnswer<T>[] = []
    const failures: FleetRequestError[] = []
    outcomes.forEach((outcome, index) => {
      if (outcome.ok) answers.push({ serverId: servers[index]!.id, info: outcome.value })
      else failures.push(outcome.error)
    })
    if (answers.length === 0) {
      if (state.last !== undefined) return state.last.value
      throw new FleetInfoUnavailableError(route, failures)
    }
    const merged = sameAnswers(state.memo?.answers, answers) ? state.memo!.merged : spec.merge(answers)
    state.memo = { answers, merged }
    state.last = { value: merged }
    return merged
  }

  #serverList(): readonly FleetServer[] {
    const seen = new Set<string>()
    return this.#servers().filter((server) => !seen.has(server.id) && seen.add(server.id))
  }

  #state<T, R>(spec: FleetRouteSpec<T, R>, route: FleetRoutePath): RouteState<T, R> {
    const known = this.#states.get(route)
    if (known !== undefined) return known as RouteState<T, R>
    const policy = spec.big
      ? { ttlMs: this.#settings.objectInfoTtlMs, failureTtlMs: this.#settings.failureTtlMs, background: true }
      : { ttlMs: this.#settings.ttlMs, failureTtlMs: this.#settings.failureTtlMs, background: false }
    const cache = new ServerCache<T>(
      policy,
      () => this.#clock.now(),
      (server) => this.#load(spec, route, server),
      (server, outcome) => {
        // Closing the fleet info is not the server's fault.
        if (!outcome.ok && outcome.error.kind !== 'aborted') this.#report(server.id, route, outcome.error)
      },
    )
    const state: RouteState<T, R> = { cache }
    if (route.startsWith('/models/')) this.#evictFolders()
    this.#states.set(route, state as RouteState<unknown, unknown>)
    return state
  }

  /** Keeps the number of cached folders bounded: a client can ask for any folder name. */
  #evictFolders(): void {
    const folders = [...this.#states.keys()].filter((route) => route.startsWith('/models/'))
    for (const route of folders.slice(0, Math.max(0, folders.length - MAX_FOLDER_ROUTES + 1))) {
      this.#states.delete(route)
    }
  }

  async #load<T, R>(spec: FleetRouteSpec<T, R>, route: FleetRoutePath, server: FleetServer) {
    let target: ReturnType<typeof serverTarget>
    try {
      target = serverTarget(server)
    } catch {
      // The URL itself is not shown: an unparsable URL cannot be redacted reliably.
      return this.#failure(server.id, route, 'network', `${server.id}: its configured URL is not a valid URL`)
    }
    const label = target.label(route)
    const result = await readJson({
      fetch: this.#fetch,
      timers: this.#timers,
      url: routeUrl(target.base, route),
      label,
      headers: target.headers,
      timeoutMs: spec.big ? this.#settings.objectInfoTimeoutMs : this.#settings.timeoutMs,
      maxBytes: spec.big ? this.#settings.maxObjectInfoBytes : this.#settings.maxBytes,
      notFoundIsAnswer: spec.notFound !== undefined,
      signal: this.#closed.signal,
    })
    if (!result.ok) {
      return this.#failure(server.id, route, result.kind, `${server.id}: ${result.message}`, result.status)
    }
    const body = result.status === 404 && spec.notFound !== undefined ? spec.notFound() : result.body
    if (!spec.accepts(body)) {
      const message = `${server.id}: ${label}: the answer is JSON but not in the shape ComfyUI gives ${route}`
      return this.#failure(server.id, route, 'malformed', message, result.status)
    }
    return { ok: true, value: body } as const
  }

  #failure(
    serverId: string,
    route: FleetRoutePath,
    kind: FleetRequestError['kind'],
    message: string,
    status?: number,
  ): Outcome<never> {
    return { ok: false, error: new FleetRequestError(serverId, route, kind, message, status) }
  }

  #report(serverId: string, route: FleetRoutePath, error: FleetRequestError): void {
    try {
      this.#onError?.(serverId, route, error)
    } catch {
      // A failing error handler must not turn a skipped server into a failed read.
    }
  }
}

function sameAnswers<T>(
  before: readonly ServerAnswer<T>[] | undefined,
  now: readonly ServerAnswer<T>[],
): boolean {
  return (
    before !== undefined &&
    before.length === now.length &&
    before.every(
      (answer, index) => answer.serverId === now[index]!.serverId && answer.info === now[index]!.info,
    )
  )
}
