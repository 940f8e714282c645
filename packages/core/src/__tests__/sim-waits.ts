import type { BalancerSnapshot, LoadBalancer } from '../index.js'

/**
 * Resolves with the first snapshot that satisfies `predicate` (checked now and on every change).
 * No deadline of its own: the test timeout bounds it, and a timed-out test names what it waited for.
 */
export function until(
  b: LoadBalancer,
  predicate: (s: BalancerSnapshot) => boolean,
): Promise<BalancerSnapshot> {
  return new Promise((resolve) => {
    const check = () => {
      const snapshot = b.getSnapshot()
      if (!predicate(snapshot)) return
      unsubscribe()
      resolve(snapshot)
    }
    const unsubscribe = b.subscribe(check)
    check()
  })
}

/** Resolves when `predicate` holds, checked every few ms of real time (for state outside snapshots). */
export function waitFor(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!predicate()) return
      clearInterval(poll)
      resolve()
    }, 2)
  })
}
