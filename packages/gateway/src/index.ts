export { type GatewayErrorCode, GatewayOptionsError, UnsafeBindError } from './errors.js'
export { createGateway, type Gateway, type GatewayParts } from './gateway.js'
export type { ComfyError, PromptValidator, Verdict } from './jobs/accept-prompt.js'
export type { GatewayOptions } from './options.js'
