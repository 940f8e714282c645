/**
 * `@comfy-balancer/testkit`: a deterministic clock, a seeded random source and a stateful model of
 * a ComfyUI server. The msw handlers built from the model live in `@comfy-balancer/testkit/msw`, so
 * code that does not use msw never loads it.
 */
export {
  createTestClock,
  DEFAULT_CLOCK_START,
  type TestClock,
  type TestClockOptions,
  type TimerHandle,
} from './clock'
export * from './model/index'
export { seededRandom } from './random'
export { burstWorkload, poissonWorkload, type RunStats, summarize, type WorkItem } from './workload'
