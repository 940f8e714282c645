import type { Clock } from '@comfy-balancer/core'

/**
 * The part of core's `Clock` a source needs for its timers (polling, debounce, request timeouts).
 * Core's `systemClock` and testkit's `createTestClock()` both fit, so tests drive time exactly.
 */
export type TimerClock = Pick<Clock, 'setTimeout' | 'clearTimeout'>
