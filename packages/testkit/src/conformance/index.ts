/** Conformance suites every Strategy and ConfigSource implementation should pass. */

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
export { type ContextUnderTest, describeStrategyConformance, type StrategyUnderTest } from './strategy'
