/**
 * `comfy-balancer`: everything to spread ComfyUI jobs across servers in one install — the engine
 * and its job API (`@comfy-balancer/core`), the strategies (`@comfy-balancer/strategies`), the config
 * sources (`@comfy-balancer/config`), `createComfyBalancer()` with the original design's defaults,
 * and the `ComfyUILoadBalancer` facade with its method names.
 */
export * from '@comfy-balancer/config'
export * from '@comfy-balancer/core'
export {
  excluding,
  fallback,
  filter,
  type LeastExpectedWaitOptions,
  leastExpectedWait,
  powerOfTwo,
  roundRobin,
  type ServerPredicate,
  type StickyOptions,
  sticky,
  weighted,
  withTags,
} from '@comfy-balancer/strategies'
export { ComfyUILoadBalancer, type ServerQueueInfo } from './comfyui-load-balancer.js'
export { type ConsoleLoadBalancer, type ConsoleTools, installConsoleTools } from './console-tools.js'
export {
  type ComfyBalancerOptions,
  createComfyBalancer,
  ORIGINAL_LOCK_MS,
  originalStrategy,
} from './create-comfy-balancer.js'
export type { OriginalServerStats } from './original-stats.js'
