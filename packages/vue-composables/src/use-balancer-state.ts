import type { BalancerSnapshot } from '@comfy-balancer/core'
import { getCurrentScope, onScopeDispose, type Ref, type ShallowRef, shallowReadonly, shallowRef } from 'vue'
import { MissingBalancerError } from './errors.js'
import { type BalancerLike, injectBalancer } from './plugin.js'

/** A ref the caller can read and watch but not write. */
export type ReadonlyRef<T> = Readonly<Ref<T>>

export interface BalancerState<T> {
  readonly balancer: BalancerLike
  /** The selection, replaced only when it changes by `isEqual`. */
  readonly state: ReadonlyRef<T>
  /** Selects again now (for inputs other than the snapshot, such as job hints). */
  recompute(): void
}

/**
 * The binding: a `shallowRef` holding `select(balancer.getSnapshot())`, updated from the balancer's
 * `subscribe` (once per batch of changes) and only when the selection changes by `isEqual`.
 * Holds one reference of background probing. Both end when the calling scope (the component) is
 * disposed.
 */
export function useBalancerState<T>(
  caller: string,
  select: (snapshot: BalancerSnapshot, balancer: BalancerLike) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): BalancerState<T> {
  const { balancer, background } = injectBalancer(caller)
  if (getCurrentScope() === undefined) throw new MissingBalancerError(caller, 'no-setup')
  const state: ShallowRef<T> = shallowRef(select(balancer.getSnapshot(), balancer))
  const recompute = (): void => {
    const next = select(balancer.getSnapshot(), balancer)
    if (!isEqual(state.value, next)) state.value = next
  }
  // Vue's server renderer never unmounts, so nothing may subscribe or start timers there.
  if (typeof window !== 'undefined') {
    const unsubscribe = balancer.subscribe(recompute)
    if (background) balancer.start()
    onScopeDispose(() => {
      unsubscribe()
      if (background) balancer.stop()
    })
  }
  return { balancer, state: shallowReadonly(state) as ReadonlyRef<T>, recompute }
}

/**
 * The balancer's snapshot (or a slice of it) as a readonly ref, kept current. With a `selector`,
 * the ref changes only when the selection does by `isEqual` (default `Object.is`).
 *
 * @example
 * ```ts
 * const refreshing = useBalancerSnapshot((s) => s.refreshing)
 * ```
 */
export function useBalancerSnapshot(): ReadonlyRef<BalancerSnapshot>
export function useBalancerSnapshot<T>(
  selector: (snapshot: BalancerSnapshot) => T,
  isEqual?: (a: T, b: T) => boolean,
): ReadonlyRef<T>
export function useBalancerSnapshot<T>(
  selector: (snapshot: BalancerSnapshot) => T = (snapshot) => snapshot as T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): ReadonlyRef<T> {
  return useBalancerState('useBalancerSnapshot()', (snapshot) => selector(snapshot), isEqual).state
}
