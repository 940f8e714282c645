/**
 * `@comfy-balancer/testkit/msw`: msw handlers that serve simulated ComfyUI servers over `fetch`.
 * A separate entry so that users without msw never load it. {@link useMswCluster} and
 * {@link createBindingHarness} also need vitest and msw's Node entry (they register the test file's hooks).
 */
export {
  BINDING_TEST_URLS,
  type BindingBalancerInput,
  type BindingHarness,
  type BindingHarnessOptions,
  type BindingHarnessSetup,
  type BindingTestFile,
  createBindingHarness,
  type ProbingBalancer,
  serverIdOf,
} from './binding-harness'
export { type ClusterServerSpec, createMswCluster, type MswCluster } from './cluster'
export { comfyHandlers } from './handlers'
export {
  describeStatusPanel,
  type MountedStatusPanel,
  type StatusPanelBalancer,
  type StatusPanelSuiteProps,
  type StatusPanelSuiteSetup,
} from './status-panel-suite'
export {
  type InstalledMswCluster,
  type MswClusterHarness,
  type UseMswClusterOptions,
  useMswCluster,
} from './use-msw-cluster'
export { comfyWebSocketHandlers } from './ws-handlers'
