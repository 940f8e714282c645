/**
 * `@comfy-balancer/testkit/msw`: msw handlers that serve simulated ComfyUI servers over `fetch`.
 * A separate entry so that users without msw never load it.
 */
export { type ClusterServerSpec, createMswCluster, type MswCluster } from './cluster'
export { comfyHandlers } from './handlers'
