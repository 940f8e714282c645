import type { BalancerSnapshot } from '@comfy-balancer/core'
import { useCallback, useDebugValue, useEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import { useBalancerFor } from './context.js'

const identity = <T>(value: T): T => value

/**
 * The balancer's state, or a slice of it, kept current: the one `useSyncExternalStore` over the
 * balancer's `subscribe`/`getSnapshot` that every hook here is built on. With a `selector`, the
 * component re-renders only when the selection changes by `isEqual` (default `Object.is`); the
 * previous selection object is returned as long as it is equal, so it is safe in dependency lists.
 * SSR-safe: on the server it renders the balancer's current snapshot.
 *
 * @example
 * ```tsx
 * const refreshing = useBalancerSnapshot((s) => s.refreshing)
 * const healthyIds = useBalancerSnapshot(
 *   (s) => s.servers.filter((server) => server.health === 'healthy').map((server) => server.id),
 *   (a, b) => a.join() === b.join(),
 * )
 * ```
 */
export function useBalancerSnapshot(): BalancerSnapshot
export function useBalancerSnapshot<T>(
  selector: (snapshot: BalancerSnapshot) => T,
  isEqual?: (a: T, b: T) => boolean,
): T
export function useBalancerSnapshot<T>(
  selector: (snapshot: BalancerSnapshot) => T = identity as (snapshot: BalancerSnapshot) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): T {
  return useSelection('useBalancerSnapshot()', selector, isEqual)
}

/** {@link useBalancerSnapshot} with the caller's name for the missing-provider error. */
export function useSelection<T>(
  caller: string,
  selector: (snapshot: BalancerSnapshot) => T,
  isEqual: (a: T, b: T) => boolean,
): T {
  const balancer = useBalancerFor(caller)
  const subscribe = useCallback((listener: () => void) => balancer.subscribe(listener), [balancer])
  // The last selection React committed, so a new selector (an inline arrow on every render) still
  // hands back the previous object when the new selection is equal to it.
  const committed = useRef<{ value: T } | null>(null)
  const getSelection = useMemo(() => {
    let memo: { snapshot: BalancerSnapshot; selection: T } | undefined
    return (): T => {
      const snapshot = balancer.getSnapshot()
      if (memo !== undefined && memo.snapshot === snapshot) return memo.selection
      const next = selector(snapshot)
      const previous =
        memo ?? (committed.current === null ? undefined : { selection: committed.current.value })
      const selection =
        previous !== undefined && isEqual(previous.selection, next) ? previous.selection : next
      memo = { snapshot, selection }
      return selection
    }
  }, [balancer, selector, isEqual])
  const value = useSyncExternalStore(subscribe, getSelection, getSelection)
  useEffect(() => {
    committed.current = { value }
  }, [value])
  useDebugValue(value)
  return value
}
