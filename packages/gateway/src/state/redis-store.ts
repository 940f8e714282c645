import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import type { GatewayJob } from '../jobs/gateway-job.js'
import type { BusMessage, GatewayBus } from './gateway-bus.js'
import { type GatewayStore, type StoredUpload, uploadKey } from './gateway-store.js'

/** Redis as the gateways' shared state: several gateways behind a load balancer act as one. */
export interface RedisGatewayOptions {
  readonly url: string
  /** Key and channel prefix; gateways that should act as one share it. Default `comfy-gateway:`. */
  readonly prefix?: string
  /** This gateway's id (default: a new one per process). */
  readonly id?: string
  /** How long a gateway that stops renewing its heartbeat counts as running (ms). Default 15 s. */
  readonly heartbeatMs?: number
}

/**
 * The gateway's state in Redis — jobs (a hash and their order), the number counter, uploads — and a
 * pub/sub channel that carries job changes, client messages and commands between gateways. Binary
 * frames travel as base64 in JSON: previews are small, and one channel keeps their order.
 */
export class RedisGatewayStore implements GatewayStore, GatewayBus {
  readonly id: string
  readonly #redis: Redis
  readonly #subscriber: Redis
  readonly #prefix: string
  readonly #listeners = new Set<(message: BusMessage) => void>()
  readonly #heartbeatMs: number
  #beat: ReturnType<typeof setInterval> | undefined

  constructor(options: RedisGatewayOptions) {
    this.id = options.id ?? randomUUID()
    this.#prefix = options.prefix ?? 'comfy-gateway:'
    this.#heartbeatMs = options.heartbeatMs ?? 15_000
    this.#redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2 })
    this.#subscriber = new Redis(options.url, { lazyConnect: false })
    this.#subscriber.on('message', (_channel: string, text: string) => this.#receive(text))
    // Errors surface on the commands that fail; a reconnecting client is not a crash.
    this.#redis.on('error', () => undefined)
    this.#subscriber.on('error', () => undefined)
  }

  /** Resolves once the channel is listened to (before that, other gateways' messages are missed). */
  async ready(): Promise<void> {
    await this.#subscriber.subscribe(this.#key('bus'))
    await this.#renew()
    // Renewed three times per lifetime: one late renewal does not make the others take over.
    this.#beat = setInterval(() => void this.#renew().catch(() => undefined), this.#heartbeatMs / 3)
    this.#beat.unref?.()
  }

  async isAlive(id: string): Promise<boolean> {
    return (await this.#redis.exists(this.#key(`alive:${id}`))) === 1
  }

  async claim(promptId: string): Promise<boolean> {
    const set = await this.#redis.set(
      this.#key(`claim:${promptId}`),
      this.id,
      'PX',
      this.#heartbeatMs * 4,
      'NX',
    )
    return set === 'OK'
  }

  async load() {
    const order = await this.#redis.zrange(this.#key('order'), '0', '-1')
    const values = order.length === 0 ? [] : await this.#redis.hmget(this.#key('jobs'), ...order)
    const jobs = values
      .filter((value): value is string => value !== null)
      .map((value) => JSON.parse(value) as GatewayJob)
    const counter = Number((await this.#redis.get(this.#key('counter'))) ?? 0)
    return { jobs, counter }
  }

  async saveJob(job: GatewayJob) {
    const text = JSON.stringify(job)
    // Published first, on the same connection: the other gateways get the job's new state before
    // any message sent after this call (its `executing: null` must find the history entry there).
    this.publish({ kind: 'job', promptId: job.promptId, job })
    await this.#redis
      .multi()
      .hset(this.#key('jobs'), job.promptId, text)
      .zadd(this.#key('order'), 'NX', String(job.createdAt), job.promptId)
      .exec()
  }

  async deleteJob(promptId: string) {
    this.publish({ kind: 'job', promptId })
    await this.#redis.multi().hdel(this.#key('jobs'), promptId).zrem(this.#key('order'), promptId).exec()
  }

  async saveCounter(counter: number) {
    // The highest number any gateway reached: a restarted one goes on from there.
    await this.#redis.eval(
      "local c = tonumber(redis.call('GET', KEYS[1]) or '0'); if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end",
      1,
      this.#key('counter'),
      String(counter),
    )
  }

  async saveUpload(upload: StoredUpload) {
    const { bytes, ...rest } = upload
    const key = uploadKey(upload.owner, upload.type, upload.subfolder, upload.filename)
    await this.#redis.hset(
      this.#key('uploads'),
      key,
      JSON.stringify({ ...rest, bytes: Buffer.from(bytes).toString('base64') }),
    )
  }

  async upload(owner: string, type: string, subfolder: string, filename: string) {
    const text = await this.#redis.hget(this.#key('uploads'), uploadKey(owner, type, subfolder, filename))
    if (text === null) return undefined
    const { bytes, ...rest } = JSON.parse(text) as Omit<StoredUpload, 'bytes'> & { bytes: string }
    return { ...rest, bytes: new Uint8Array(Buffer.from(bytes, 'base64')) }
  }

  publish(message: BusMessage): void {
    const payload =
      message.kind === 'binary'
        ? { ...message, bytes: Buffer.from(message.bytes).toString('base64') }
        : message
    this.#redis
      .publish(this.#key('bus'), JSON.stringify({ from: this.id, message: payload }))
      .catch(() => undefined)
  }

  subscribe(listener: (message: BusMessage) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close() {
    if (this.#beat !== undefined) clearInterval(this.#beat)
    // Leaving on purpose: the others take over at once rather than after the heartbeat lapses.
    await this.#redis.del(this.#key(`alive:${this.id}`)).catch(() => undefined)
    this.publish({ kind: 'left', id: this.id })
    this.#listeners.clear()
    await Promise.allSettled([this.#subscriber.quit(), this.#redis.quit()])
  }

  #receive(text: string): void {
    const { from, message } = JSON.parse(text) as { from: string; message: BusMessage }
    if (from === this.id) return
    const decoded: BusMessage =
      message.kind === 'binary'
        ? { ...message, bytes: new Uint8Array(Buffer.from(message.bytes as unknown as string, 'base64')) }
        : message
    for (const listener of this.#listeners) listener(decoded)
  }

  async #renew(): Promise<void> {
    await this.#redis.set(this.#key(`alive:${this.id}`), '1', 'PX', this.#heartbeatMs)
  }

  #key(name: string): string {
    return `${this.#prefix}${name}`
  }
}
