import { ComfyBalancerError } from '@comfy-balancer/core'

/** The gateway's own error codes (core's are in `ComfyBalancerErrorCode`). */
export type GatewayErrorCode = 'GATEWAY_OPTIONS_INVALID' | 'GATEWAY_UNSAFE_BIND'

/** `createGateway()` or the CLI got an option it cannot use; the message names it and what was expected. */
export class GatewayOptionsError extends ComfyBalancerError<GatewayErrorCode> {
  constructor(message: string) {
    super('GATEWAY_OPTIONS_INVALID', message)
    this.name = 'GatewayOptionsError'
  }
}

/**
 * The gateway was asked to listen on an address other machines can reach, without tokens: anyone
 * there could run prompts on the fleet and read every output. Give tokens, or say `open: true`.
 */
export class UnsafeBindError extends ComfyBalancerError<GatewayErrorCode> {
  constructor(host: string) {
    super(
      'GATEWAY_UNSAFE_BIND',
      `Refusing to listen on ${host} without tokens: any machine that reaches it could run prompts and read every output. Give tokens (--token / tokens), bind 127.0.0.1, or pass open: true (--open) to serve it unauthenticated on purpose.`,
    )
    this.name = 'UnsafeBindError'
  }
}
