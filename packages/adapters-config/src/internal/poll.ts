import type { TimerClock } from './clock.js'

/**
 * Runs `tick` every `intervalMs` on `clock` until the returned stop is called. The next timer is
 * set only after a tick settles, so a slow database never sees overlapping queries.
 */
export function pollEvery(clock: TimerClock, intervalMs: number, tick: () => Promise<void>): () => void {
  let stopped = false
  let timer: unknown
  const schedule = () => {
    timer = clock.setTimeout(() => {
      void tick()
        .catch(() => undefined)
        .then(() => {
          if (!stopped) schedule()
        })
    }, intervalMs)
  }
  schedule()
  return () => {
    stopped = true
    clock.clearTimeout(timer)
  }
}
