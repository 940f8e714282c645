import type { ProbeSettings } from '../config/types.js'
import type { Clock } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { CapabilitySummary } from '../contracts/server.js'
import { CapabilityReadError } from '../errors/capability-errors.js'
import type { JobTarget } from '../jobs/comfy-client.js'
import { type FetchLike, fetchJson } from '../probe/fetch-json.js'
import { isRecord } from '../util/is-record.js'
import { endpointUrl } from '../util/request-target.js'
import { type Capabilities, deriveCapabilities } from './capabilities.js'
import { type JobRequirements, type Missing, missingOn } from './requirements.js'

/** How capabilities are read: the config's probe settings (`capabilities`, `objectInfo…`). */
export type CapabilitySettings = Pick<
  ProbeSettings,
  'capabilities' | 'objectInfoTimeoutMs' | 'objectInfoMaxBytes'
>

/** Whether a server can run a job, as far as is known (`can` until its capabilities are read). */
export type Verdict =
  | { readonly kind: 'can' }
  | { readonly kind: 'cannot'; readonly missing: readonly Missing[] }

export interface CapabilityDeps {
  readonly clock: Clock
  readonly fetch: FetchLike
  readonly logger: Logger
  /** The settings in force; undefined before any config (nothing is read then). */
  settings(): CapabilitySettings | undefined
  /** The server's configured URL (cheap: compared on every check), undefined once it left the config. */
  url(serverId: string): string | undefined
  target(serverId: string): JobTarget | undefined
  /** The server's open WebSocket epoch: a new one (a reconnect, maybe a restart) asks for a re-read. */
  epoch(serverId: string): number | undefined
  /** A read finished: the summary for the server's snapshot. */
  read(serverId: string, summary: CapabilitySummary): void
  failed(error: CapabilityReadError): void
}

interface Entry {
  url: string
  capabilities?: Capabilities
  epoch?: number | undefined
  reading?: Promise<void>
  stale: boolean
  failures: number
  retryAt: number
}

const CAN: Verdict = { kind: 'can' }
const RETRY_BASE_MS = 5_000
const RETRY_MAX_MS = 300_000

/**
 * Each server's capabilities, read from `GET /object_info` off the hot path: when a server is
 * first seen, when its URL changes, when its WebSocket reconnects (it may have restarted with other
 * custom nodes), and when it refuses a prompt for something missing. Choices only look them up.
 */
export class CapabilityBook {
  readonly #entries = new Map<string, Entry>()

  constructor(private readonly deps: CapabilityDeps) {}

  /** What the server can run, once read (undefined while reading is off). */
  get(serverId: string): Capabilities | undefined {
    return this.deps.settings()?.capabilities ? this.#entries.get(serverId)?.capabilities : undefined
  }

  /**
   * Starts a read when one is due (first sight, a new URL, a reconnected socket, a refusal); never
   * waits for it. Cheap when none is due: late binding calls it for each server on every plan.
   */
  ensure(serverId: string): void {
    if (!this.deps.settings()?.capabilities) return
    const url = this.deps.url(serverId)
    if (url === undefined) return
    let entry = this.#entries.get(serverId)
    if (entry === undefined || entry.url !== url) {
      entry = { url, stale: true, failures: 0, retryAt: 0 }
      this.#entries.set(serverId, entry)
    }
    const epoch = this.deps.epoch(serverId)
    if (entry.epoch !== undefined && epoch !== undefined && epoch !== entry.epoch) entry.stale = true
    if (!entry.stale || entry.reading !== undefined || this.deps.clock.now() < entry.retryAt) return
    const target = this.deps.target(serverId)
    if (target === undefined) return
    const reading = this.#read(serverId, target, entry, epoch)
    entry.reading = reading
    void reading.finally(() => {
      if (entry.reading === reading) delete entry.reading
    })
  }

  /** The server refused a prompt for something missing: what it has changed, read it again. */
  invalidate(serverId: string): void {
    const entry = this.#entries.get(serverId)
    if (entry !== undefined) {
      entry.stale = true
      entry.retryAt = 0
    }
    this.ensure(serverId)
  }

  /** Drops servers that left the config. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#entries.keys()) if (!ids.has(id)) this.#entries.delete(id)
  }

  /** Can this server run a job with these requirements? A lookup: reads are started by {@link ensure}. */
  verdict(serverId: string, requirements: JobRequirements): Verdict {
    const capabilities = this.get(serverId)
    // Not read yet (or unreadable): a job does not wait for a read that can take seconds on a big
    // install; a refusal for something missing re-reads the server and moves the job, unseen.
    if (capabilities === undefined) return CAN
    const missing = missingOn(capabilities, requirements)
    return missing.length === 0 ? CAN : { kind: 'cannot', missing }
  }

  async #read(serverId: string, target: JobTarget, entry: Entry, epoch: number | undefined): Promise<void> {
    const { clock, logger } = this.deps
    const settings = this.deps.settings()
    if (settings === undefined) return
    const answer = await fetchJson({
      fetch: this.deps.fetch,
      clock,
      url: endpointUrl(target.base, '/object_info'),
      label: `${serverId} ${target.label}/object_info`,
      headers: target.headers,
      timeoutMs: settings.objectInfoTimeoutMs,
      maxBytes: settings.objectInfoMaxBytes,
    })
    if (this.#entries.get(serverId) !== entry) return
    const body = answer.ok ? answer.body : undefined
    if (!isRecord(body)) {
      entry.failures++
      entry.retryAt = clock.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (entry.failures - 1))
      this.deps.failed(
        new CapabilityReadError(
          serverId,
          answer.ok ? 'the answer is not a JSON object' : answer.failure.message,
        ),
      )
      return
    }
    const capabilities = deriveCapabilities(body)
    entry.capabilities = capabilities
    entry.epoch = epoch
    entry.stale = false
    entry.failures = 0
    const { nodes, checkpoints } = capabilities.summary
    logger.info(`${serverId}: ${nodes} nodes · ${checkpoints} checkpoints`)
    this.deps.read(serverId, { ...capabilities.summary, readAt: clock.now() })
  }
}
