import { ComfyBalancerError } from './base.js'

/** The `StateStore` method that failed. */
export type StateStoreOperation =
  | 'addInFlight'
  | 'setInFlight'
  | 'readInFlight'
  | 'tryLock'
  | 'readLock'
  | 'releaseLock'
  | 'setMark'
  | 'readMarks'
  | 'publishProbe'
  | 'readProbes'
  | 'subscribeProbes'
  | 'tryLease'
  | 'setOwner'
  | 'getOwner'
  | 'deleteOwner'

/**
 * A shared state store could not do what was asked: its backend is down, unreachable or too slow,
 * or the store was disposed. The balancer answers by falling back to its own local view until the
 * store reports `available` again.
 */
export class StateStoreError extends ComfyBalancerError {
  /** The store's `name` (e.g. `redis:redis://127.0.0.1:6379`), already redacted. */
  readonly store: string
  readonly operation: StateStoreOperation

  constructor(store: string, operation: StateStoreOperation, reason: string, options?: { cause?: unknown }) {
    super(
      'STATE_STORE_UNAVAILABLE',
      `State store ${store} failed ${operation}(): ${reason}. ` +
        'Balancers keep working on their local view meanwhile; check that the store is running and reachable.',
      options,
    )
    this.name = 'StateStoreError'
    this.store = store
    this.operation = operation
  }
}
