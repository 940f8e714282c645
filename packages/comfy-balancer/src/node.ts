/**
 * Node-only: the undici keep-alive transport (`createNodeTransport`, as `@comfy-balancer/core/node`)
 * and the `jsonConfig` that also reads and watches files (as `@comfy-balancer/config/node`). The main
 * entry's `jsonConfig` takes objects and URLs only, so browser bundles never reach `node:fs`.
 */
export { jsonConfig } from '@comfy-balancer/config/node'
export * from '@comfy-balancer/core/node'
