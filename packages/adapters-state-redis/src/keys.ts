/**
 * Every key and channel the store uses, under one prefix. Hash-and-index pairs hold entries that
 * each lapse on their own: the hash holds the values, the sorted set each field's expiry (Redis
 * server time, ms), and both keys expire with their last field. See the README's "Key layout".
 */
export interface KeyLayout {
  /** Hash `["serverId","ownerId"]` → count, with its expiry index. */
  readonly inFlight: string
  readonly inFlightExpiry: string
  /** String: the sticky lock as JSON `{ serverId, ownerId }`, with `PX`. */
  readonly lock: string
  /** Hash `["serverId","kind"]` → mark JSON, with its expiry index. */
  readonly marks: string
  readonly marksExpiry: string
  /** Hash `serverId` → latest probe record JSON, with its expiry index. */
  readonly probes: string
  readonly probesExpiry: string
  /** Pub/sub channel of probe records (channels are not keys: they hold nothing). */
  readonly probeChannel: string
  /** String per server: the probe lease holder's owner id, with `PX`. */
  lease(serverId: string): string
  /** String per prompt: the server holding it, with `PX`. */
  job(promptId: string): string
}

/** The default prefix: every key starts with it. */
export const DEFAULT_PREFIX = 'comfy-balancer:'

export function keyLayout(prefix: string): KeyLayout {
  return {
    inFlight: `${prefix}inflight`,
    inFlightExpiry: `${prefix}inflight:expiry`,
    lock: `${prefix}lock`,
    marks: `${prefix}marks`,
    marksExpiry: `${prefix}marks:expiry`,
    probes: `${prefix}probes`,
    probesExpiry: `${prefix}probes:expiry`,
    probeChannel: `${prefix}probes`,
    lease: (serverId) => `${prefix}lease:${serverId}`,
    job: (promptId) => `${prefix}job:${promptId}`,
  }
}

/** The hash field of a pair of ids: JSON, so no id can forge another pair by containing a separator. */
export function pairField(first: string, second: string): string {
  return JSON.stringify([first, second])
}
