/** Node-only: the undici keep-alive transport (`createNodeTransport`), as `@comfy-balancer/core/node`. */
export * from '@comfy-balancer/core/node'
