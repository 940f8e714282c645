import type {
  Clock,
  LockRequest,
  Logger,
  ProbeRecord,
  ServerMark,
  ServerMarkInput,
  SharedLock,
  StateStore,
  StateStoreStatus,
  Unsubscribe,
} from '@comfy-balancer/core'
import { checkStateCount, checkStateDelta, checkStateId, checkStateTtl } from '@comfy-balancer/core/internal'
import type { Commands } from './commands.js'
import type { Connection } from './connection.js'
import { decodeLock, decodeMark, decodeProbe } from './decode.js'
import { type KeyLayout, pairField } from './keys.js'
import type { ProbeSubscriber } from './subscriber.js'

/** Redis takes whole milliseconds; rounding up keeps an entry at least as long as asked. */
const px = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs))

/** The `StateStore` on Redis. Made by `createRedisStateStore`, which wires its parts. */
export class RedisStateStore implements StateStore {
  constructor(
    private readonly connection: Connection,
    private readonly commands: Commands,
    private readonly subscriber: ProbeSubscriber,
    private readonly keys: KeyLayout,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get name(): string {
    return this.connection.name
  }

  get status(): StateStoreStatus {
    return this.connection.status
  }

  onStatus(listener: (status: StateStoreStatus) => void): Unsubscribe {
    return this.connection.onStatus(listener)
  }

  async addInFlight(serverId: string, ownerId: string, delta: number, ttlMs: number): Promise<number> {
    checkStateDelta(delta)
    return this.#writeInFlight('addInFlight', serverId, ownerId, delta, ttlMs)
  }

  async setInFlight(serverId: string, ownerId: string, count: number, ttlMs: number): Promise<number> {
    checkStateCount(count)
    return this.#writeInFlight('setInFlight', serverId, ownerId, count, ttlMs)
  }

  /** One script adds to or sets an owner's count, and answers the server's total. */
  #writeInFlight(
    operation: 'addInFlight' | 'setInFlight',
    serverId: string,
    ownerId: string,
    amount: number,
    ttlMs: number,
  ): Promise<number> {
    checkStateId(serverId, 'serverId')
    checkStateId(ownerId, 'ownerId')
    checkStateTtl(ttlMs)
    const { inFlight, inFlightExpiry } = this.keys
    const field = pairField(serverId, ownerId)
    const mode = operation === 'addInFlight' ? 'add' : 'set'
    return this.connection.run(operation, async () =>
      Number(
        await this.commands.addInFlight([inFlight, inFlightExpiry], field, amount, px(ttlMs), serverId, mode),
      ),
    )
  }

  async readInFlight(): Promise<Readonly<Record<string, number>>> {
    const fields = await this.connection.run('readInFlight', () =>
      this.#readFields(this.keys.inFlight, this.keys.inFlightExpiry),
    )
    const totals: Record<string, number> = {}
    for (const { field, value } of fields) {
      const serverId = firstOfPair(field)
      const count = Number(value)
      if (serverId !== undefined && count > 0) totals[serverId] = (totals[serverId] ?? 0) + count
    }
    return totals
  }

  async tryLock(lock: LockRequest): Promise<boolean> {
    checkStateId(lock.serverId, 'serverId')
    checkStateId(lock.ownerId, 'ownerId')
    checkStateTtl(lock.ttlMs)
    const value = JSON.stringify({ serverId: lock.serverId, ownerId: lock.ownerId })
    const reply = await this.connection.run('tryLock', (client) =>
      client.set(this.keys.lock, value, 'PX', px(lock.ttlMs), 'NX'),
    )
    return reply === 'OK'
  }

  async readLock(): Promise<SharedLock | undefined> {
    const reply = await this.connection.run('readLock', () => this.commands.readLock(this.keys.lock))
    if (!Array.isArray(reply)) return undefined
    const lock = decodeLock(reply[0])
    const pttl = Number(reply[1])
    // PTTL is relative: turning it into this instance's time makes `until` immune to clock skew.
    // 0 means under a millisecond left: the key still exists, so `SET NX` would still fail.
    return lock && pttl >= 0 ? { ...lock, until: this.clock.now() + pttl } : undefined
  }

  async releaseLock(ownerId: string): Promise<boolean> {
    checkStateId(ownerId, 'ownerId')
    const reply = await this.connection.run('releaseLock', () =>
      this.commands.releaseLock(this.keys.lock, ownerId),
    )
    return Number(reply) === 1
  }

  async setMark(mark: ServerMarkInput, ttlMs: number): Promise<void> {
    checkStateId(mark.serverId, 'serverId')
    checkStateId(mark.ownerId, 'ownerId')
    checkStateTtl(ttlMs)
    const { marks, marksExpiry } = this.keys
    const value = JSON.stringify(mark)
    await this.connection.run('setMark', () =>
      this.commands.setField([marks, marksExpiry], pairField(mark.serverId, mark.kind), value, px(ttlMs)),
    )
  }

  async readMarks(): Promise<readonly ServerMark[]> {
    const fields = await this.connection.run('readMarks', () =>
      this.#readFields(this.keys.marks, this.keys.marksExpiry),
    )
    return fields.flatMap(({ value, untilMs }) => {
      const mark = decodeMark(value)
      return mark ? [{ ...mark, until: untilMs }] : []
    })
  }

  async publishProbe(record: ProbeRecord, ttlMs: number): Promise<void> {
    checkStateId(record.serverId, 'serverId')
    checkStateId(record.ownerId, 'ownerId')
    checkStateTtl(ttlMs)
    const { probes, probesExpiry, probeChannel } = this.keys
    const value = JSON.stringify(record)
    await this.connection.run('publishProbe', () =>
      this.commands.setField([probes, probesExpiry], record.serverId, value, px(ttlMs), probeChannel),
    )
  }

  async readProbes(): Promise<readonly ProbeRecord[]> {
    const fields = await this.connection.run('readProbes', () =>
      this.#readFields(this.keys.probes, this.keys.probesExpiry),
    )
    return fields.flatMap(({ value }) => {
      const record = decodeProbe(value)
      return record ? [record] : []
    })
  }

  subscribeProbes(listener: (record: ProbeRecord) => void): Unsubscribe {
    return this.subscriber.subscribe(listener)
  }

  async tryLease(serverId: string, ownerId: string, ttlMs: number): Promise<boolean> {
    checkStateId(serverId, 'serverId')
    checkStateId(ownerId, 'ownerId')
    checkStateTtl(ttlMs)
    const reply = await this.connection.run('tryLease', () =>
      this.commands.tryLease(this.keys.lease(serverId), ownerId, px(ttlMs)),
    )
    return Number(reply) === 1
  }

  async setOwner(promptId: string, serverId: string, ttlMs: number): Promise<void> {
    checkStateId(promptId, 'promptId')
    checkStateId(serverId, 'serverId')
    checkStateTtl(ttlMs)
    await this.connection.run('setOwner', (client) =>
      client.set(this.keys.job(promptId), serverId, 'PX', px(ttlMs)),
    )
  }

  async getOwner(promptId: string): Promise<string | undefined> {
    checkStateId(promptId, 'promptId')
    const serverId = await this.connection.run('getOwner', (client) => client.get(this.keys.job(promptId)))
    return serverId ?? undefined
  }

  async deleteOwner(promptId: string): Promise<void> {
    checkStateId(promptId, 'promptId')
    await this.connection.run('deleteOwner', (client) => client.del(this.keys.job(promptId)))
  }

  async dispose(): Promise<void> {
    await Promise.all([this.subscriber.dispose(), this.connection.dispose()])
    this.logger.debug('state store disposed', { store: this.name })
  }

  /** Live fields of a lapsing map, each with its end time on this instance's clock. */
  async #readFields(
    hash: string,
    index: string,
  ): Promise<Array<{ field: string; value: string; untilMs: number }>> {
    const reply = await this.commands.readFields([hash, index])
    if (!Array.isArray(reply)) return []
    const redisNow = Number(reply[0])
    const localNow = this.clock.now()
    const fields: Array<{ field: string; value: string; untilMs: number }> = []
    for (let at = 1; at + 2 < reply.length; at += 3) {
      const [field, value, expiresAt] = [reply[at], reply[at + 1], Number(reply[at + 2])]
      if (typeof field !== 'string' || typeof value !== 'string') continue
      fields.push({ field, value, untilMs: localNow + (expiresAt - redisNow) })
    }
    return fields
  }
}

/** The first id of a {@link pairField}, or undefined for a field this store did not write. */
function firstOfPair(field: string): string | undefined {
  try {
    const pair: unknown = JSON.parse(field)
    return Array.isArray(pair) && typeof pair[0] === 'string' ? pair[0] : undefined
  } catch {
    return undefined
  }
}
