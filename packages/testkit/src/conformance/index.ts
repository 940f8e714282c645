/** Conformance suites every Strategy, ConfigSource and StateStore implementation should pass. */

export {
  CONFORMANCE_INITIAL,
  CONFORMANCE_NEXT,
  type ConfigSourceHarness,
  type ConfigSourceUnderTest,
  type ConformanceConfig,
  describeConfigSource,
} from './config-source'
export {
  type FixtureInput,
  type FixtureQueue,
  type FixtureSnapshot,
  queueOf,
  serverSnapshot,
} from './server-fixtures'
export { describeStateStore } from './state-store'
export type {
  MarkUnderTest,
  ProbeUnderTest,
  StateStoreHarness,
  StateStoreUnderTest,
  StatusUnderTest,
} from './state-store-types'
export { type ContextUnderTest, describeStrategyConformance, type StrategyUnderTest } from './strategy'
