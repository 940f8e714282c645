import type { WorkItem } from '@comfy-balancer/testkit'

/** How a balancer process places jobs. */
export type PlacementMode = 'dispatcher' | 'leastExpectedWait'

/** Which state store a balancer process shares (or not). */
export type StoreSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string; readonly prefix: string }

/** What the orchestrator tells a balancer process (its first stdin line). */
export interface WorkerSetup {
  readonly index: number
  readonly urls: readonly string[]
  readonly speeds: readonly number[]
  readonly mode: PlacementMode
  readonly store: StoreSpec
  readonly probe: Record<string, unknown>
  /** This process's share of the arrivals (arrivalMs from the common start). */
  readonly items: readonly WorkItem[]
}

/** The second stdin line: when (epoch ms) arrivals start, the same for every process. */
export interface Go {
  readonly startAt: number
}

/** One finished job, as the process saw it. */
export interface JobRecord {
  readonly index: number
  readonly promptId: string
  readonly serverId: string
  /** Epoch ms when the job arrived in the app. */
  readonly arrivedAt: number
}

/** Lines a balancer process writes on stdout, each prefixed by {@link MESSAGE_PREFIX}. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | {
      readonly type: 'done'
      readonly jobs: readonly JobRecord[]
      readonly errors: Record<string, number>
      /** `state-store` events the balancer emitted. */
      readonly storeEvents: readonly string[]
      /**
       * Samples (every 20 ms, per server) of servers whose last pushed queue was empty, and how many
       * of those the balancer still counted jobs in flight on (its own or, shared, other processes').
       */
      readonly idleSamples: number
      readonly idleCountedBusy: number
    }
  | { readonly type: 'failed'; readonly error: string }

export const MESSAGE_PREFIX = '@@bench '
