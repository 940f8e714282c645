import type { Unsubscribe } from '../contracts/config-source.js'
import type {
  LockRequest,
  ProbeRecord,
  ServerMark,
  ServerMarkInput,
  SharedLock,
  StateStoreStatus,
} from './records.js'

/**
 * What several balancer instances (app processes) share so that they act as one: in-flight counts,
 * the sticky lock, failure and ejection marks, probe results, probe leases and job ownership. The
 * default, {@link createMemoryStateStore}, shares within one process; `@comfy-balancer/redis` shares
 * across processes and machines.
 *
 * Rules every implementation keeps (the `describeStateStore` conformance suite in
 * `@comfy-balancer/testkit/conformance` checks them):
 * - Every operation is async and atomic on its own. A store that cannot reach its backend rejects
 *   with `StateStoreError` (code `STATE_STORE_UNAVAILABLE`), fast, and never leaves a promise
 *   rejection unhandled; bad arguments (an empty id, `ttlMs` not a positive finite number) reject
 *   with `InvalidArgumentError`.
 * - Every entry has a time to live and is gone once it lapses, so an instance that crashes leaves
 *   nothing behind for longer than the TTL it chose.
 * - Values are small JSON records. `ownerId` names one balancer instance (its `clientId`) and is
 *   how instances tell their own writes from the others'.
 * - Times given in records are the writer's clock; times computed by the store (`until`) are on the
 *   reader's clock, so instances need not agree on the time for TTLs to work.
 *
 * A balancer never trusts the store over what it saw itself more recently, and treats a rejection
 * as "use the local view": the store makes instances smarter, never a single point of failure.
 */
export interface StateStore {
  /** Names the store in errors, logs and events (`memory`, `redis:redis://***@cache:6379`); redacted. */
  readonly name: string

  // ── Availability ─────────────────────────────────────────────────────────────

  /** Whether operations can succeed now. */
  readonly status: StateStoreStatus
  /**
   * Calls `listener` on every change of {@link status} (not on repeats of the same state). The
   * balancer re-emits it as an event and switches between the shared and the local view.
   */
  onStatus(listener: (status: StateStoreStatus) => void): Unsubscribe

  // ── In-flight counts ─────────────────────────────────────────────────────────

  /**
   * Adds `delta` (an integer, negative to subtract) to the jobs `ownerId` has in flight on
   * `serverId`, and resolves to that server's new total over all live owners. An owner's count never
   * goes below 0, and it lapses `ttlMs` after its last change, so a crashed instance's jobs stop
   * counting by themselves.
   *
   * The balancer adds 1 when it hands a job to a server and subtracts 1 when that ticket is released
   * (the job was sent, or a probe that started after it has counted it), with `ttlMs` a little over
   * one probe interval: a count that outlives the probe that sees it would be counted twice.
   */
  addInFlight(serverId: string, ownerId: string, delta: number, ttlMs: number): Promise<number>
  /**
   * Makes `count` (an integer ≥ 0; 0 removes it) the jobs `ownerId` has in flight on `serverId`,
   * with the same expiry as {@link addInFlight}, and resolves to that server's new total. Unlike
   * adding, setting is idempotent: the balancer shares its counts this way, so a retried or repeated
   * write (after the store came back, say) never counts a job twice.
   */
  setInFlight(serverId: string, ownerId: string, count: number, ttlMs: number): Promise<number>
  /** Every server's in-flight total over all live owners; servers at 0 are left out. */
  readInFlight(): Promise<Readonly<Record<string, number>>>

  // ── The sticky lock ──────────────────────────────────────────────────────────

  /**
   * Takes the shared sticky lock for `serverId` if nobody holds it (Redis `SET NX PX`), for
   * `ttlMs`. Resolves `true` when this call took it. The lock is not renewed by taking it again:
   * while it is held, even its owner gets `false`.
   *
   * With a sticky strategy, the instance whose choice is not the locked server calls this; if it
   * loses, it reads the lock back with {@link readLock} and follows the winner's choice.
   */
  tryLock(lock: LockRequest): Promise<boolean>
  /** The lock while it is held. */
  readLock(): Promise<SharedLock | undefined>
  /**
   * Releases the lock if `ownerId` holds it (compare-and-delete), and resolves whether it did. The
   * balancer releases it when the locked server fails, so others stop being sent there.
   */
  releaseLock(ownerId: string): Promise<boolean>

  // ── Failure and ejection marks ───────────────────────────────────────────────

  /**
   * Marks a server as failed or ejected for `ttlMs`, replacing that server's mark of the same kind.
   * Instances treat a `failed` server as unhealthy until a probe record newer than the mark says it
   * answers again; an `ejected` one stays out until the mark lapses.
   */
  setMark(mark: ServerMarkInput, ttlMs: number): Promise<void>
  /** Every live mark, at most one per server and kind. */
  readMarks(): Promise<readonly ServerMark[]>

  // ── Probe results ────────────────────────────────────────────────────────────

  /**
   * Keeps `record` as its server's latest probe result for `ttlMs` and publishes it to every
   * subscriber. Called by the instance holding the server's probe lease after each probe.
   */
  publishProbe(record: ProbeRecord, ttlMs: number): Promise<void>
  /**
   * The latest live probe record of each server. A balancer reads these when it starts and when the
   * store comes back, to catch up on publications it missed.
   */
  readProbes(): Promise<readonly ProbeRecord[]>
  /**
   * Calls `listener` with every record published from now on, by any instance sharing this
   * store's state, its own included (skip records whose `ownerId` is yours). Delivery is at most
   * once: publications made while the store is unavailable are not replayed, hence
   * {@link readProbes}. A listener that throws does not stop the others.
   */
  subscribeProbes(listener: (record: ProbeRecord) => void): Unsubscribe

  // ── Probe leases ─────────────────────────────────────────────────────────────

  /**
   * Takes the lease to probe `serverId` for `ttlMs` if it is free, or renews it if `ownerId` holds
   * it already; resolves whether `ownerId` holds it now. The balancer calls it before each due
   * probe with `ttlMs` about one probe interval, probes only on `true`, and otherwise waits for the
   * holder's publication: one instance probes each server per interval, and the lease moves to
   * another instance within one TTL when its holder dies.
   */
  tryLease(serverId: string, ownerId: string, ttlMs: number): Promise<boolean>

  // ── Job ownership ────────────────────────────────────────────────────────────

  /**
   * Records that `promptId` lives on `serverId` for `ttlMs`, so any instance can follow it: results
   * live only on the server that ran the prompt.
   */
  setOwner(promptId: string, serverId: string, ttlMs: number): Promise<void>
  /** The server holding `promptId`, while the record lives. */
  getOwner(promptId: string): Promise<string | undefined>
  /** Forgets `promptId` (after its result was read); a no-op when unknown. */
  deleteOwner(promptId: string): Promise<void>

  // ── Lifetime ─────────────────────────────────────────────────────────────────

  /**
   * Closes connections and drops listeners, leaving no open handles. Idempotent. Later operations
   * reject with `StateStoreError`. Shared state is left for the other instances.
   */
  dispose(): Promise<void>
}
