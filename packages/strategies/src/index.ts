export {
  compareByQueue,
  DEFAULT_JOB_MS,
  expectedFinishMs,
  fleetMedianJobMs,
  jobEstimateMs,
  minQueue,
} from '@comfy-balancer/core'
export { excluding, fallback, filter, type ServerPredicate, withTags } from './filter.js'
export { type LeastExpectedWaitOptions, leastExpectedWait } from './least-expected-wait.js'
export { pickAmongNearTies } from './near-ties.js'
export { powerOfTwo } from './power-of-two.js'
export { roundRobin } from './round-robin.js'
export { type StickyOptions, sticky } from './sticky.js'
export { weighted } from './weighted.js'
