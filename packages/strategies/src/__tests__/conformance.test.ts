import { describeStrategyConformance } from '@comfy-balancer/testkit/conformance'
import {
  excluding,
  fallback,
  filter,
  leastExpectedWait,
  minQueue,
  powerOfTwo,
  roundRobin,
  sticky,
  weighted,
  withTags,
} from '../index.js'

describeStrategyConformance('minQueue', () => minQueue())
describeStrategyConformance('roundRobin', () => roundRobin())
describeStrategyConformance('weighted', () => weighted())
describeStrategyConformance('leastExpectedWait', () => leastExpectedWait())
describeStrategyConformance('powerOfTwo()', () => powerOfTwo())
describeStrategyConformance('powerOfTwo(minQueue)', () => powerOfTwo(minQueue()))
describeStrategyConformance('sticky(minQueue)', () => sticky(minQueue()))
describeStrategyConformance('sticky(leastExpectedWait, maxExtraWaitMs)', () =>
  sticky(leastExpectedWait(), { maxExtraWaitMs: 2_000 }),
)
describeStrategyConformance('filter(sdxl, roundRobin)', () => filter(withTags('sdxl'), roundRobin()))
describeStrategyConformance('fallback(filter, weighted)', () =>
  fallback(filter(excluding('gpu-0', 'gpu-1'), minQueue()), weighted()),
)
