import type { BalancerConfig } from '../config/types.js'
import type { Clock } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { ProbeRecord, ServerMark } from '../state/records.js'
import type { EventHub } from './events.js'
import type { InFlightCounter } from './in-flight.js'

/** What the shared view needs from the balancer that owns it. */
export interface SharedHost {
  readonly clock: Clock
  readonly logger: Logger
  readonly events: EventHub
  /** This instance's id in the store (its `clientId`). */
  readonly ownerId: string
  config(): BalancerConfig | undefined
  counter(id: string): InFlightCounter | undefined
  /** Another instance's in-flight count changed what this one should show. */
  inFlightChanged(id: string): void
  /** Another instance probed a server. */
  remoteProbe(record: ProbeRecord): void
  /** Another instance marked a server failed or ejected. */
  remoteMark(mark: ServerMark): void
}

/** A lease a little longer than the interval, so its holder renews it before anyone else takes it. */
export const LEASE_FACTOR = 1.5

/** Entries outlive a probe interval a little, so a crashed instance's counts lapse by themselves. */
export function sharedTtlMs(config: BalancerConfig | undefined): number {
  const probe = config?.probe
  return Math.round((probe?.intervalMs ?? 15_000) * LEASE_FACTOR + (probe?.healthTimeoutMs ?? 10_000))
}
