/**
 * `@comfy-balancer/testkit/msw`: msw handlers that serve simulated ComfyUI servers over `fetch`.
 * A separate entry so that users without msw never load it. {@link useMswCluster} also needs
 * vitest and msw's Node entry (it registers the test file's hooks).
 */
export { type ClusterServerSpec, createMswCluster, type MswCluster } from './cluster'
export { comfyHandlers } from './handlers'
export {
  type InstalledMswCluster,
  type MswClusterHarness,
  type UseMswClusterOptions,
  useMswCluster,
} from './use-msw-cluster'
