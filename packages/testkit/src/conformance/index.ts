/** Conformance suites every Strategy and ConfigSource implementation should pass. */
export {
  type FixtureInput,
  type FixtureQueue,
  type FixtureSnapshot,
  queueOf,
  serverSnapshot,
} from './server-fixtures'
export { type ContextUnderTest, describeStrategyConformance, type StrategyUnderTest } from './strategy'
