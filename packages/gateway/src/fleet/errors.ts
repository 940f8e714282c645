import { ComfyBalancerError } from '@comfy-balancer/core'

/** The codes of the fleet info errors, for `switch` over `error.code`. */
export type FleetInfoErrorCode = 'FLEET_REQUEST_FAILED' | 'FLEET_INFO_UNAVAILABLE'

/** The fleet info routes, as the paths the gateway reads them at (`/models/{folder}` per folder). */
export type FleetRoutePath =
  | '/object_info'
  | '/models'
  | `/models/${string}`
  | '/embeddings'
  | '/extensions'
  | '/features'
  | '/system_stats'

/**
 * How a read from one server failed:
 * - `timeout`: no full answer within the route's timeout;
 * - `network`: refused, reset, DNS and the like;
 * - `http`: a status other than 200 (and other than 404 on `/models/{folder}`);
 * - `too-large`: the answer passed the route's byte limit (the rest was not read);
 * - `malformed`: not JSON, or JSON of the wrong shape for the route;
 * - `aborted`: the fleet info was closed while the read ran.
 */
export type FleetRequestFailure = 'timeout' | 'network' | 'http' | 'too-large' | 'malformed' | 'aborted'

/**
 * One server failed to answer one route. Reported through `onError` and listed in
 * {@link FleetInfoUnavailableError.failures}. The message names the server id and its URL with any
 * credential (user info, token query values) replaced by `***`; request headers never appear.
 */
export class FleetRequestError extends ComfyBalancerError<FleetInfoErrorCode> {
  /** The server's configured id. */
  readonly serverId: string
  /** The route that failed. */
  readonly route: FleetRoutePath
  /** How it failed. */
  readonly kind: FleetRequestFailure
  /** The HTTP status, for `http` (and for answers that came with one). */
  readonly status?: number

  constructor(
    serverId: string,
    route: FleetRoutePath,
    kind: FleetRequestFailure,
    message: string,
    status?: number,
  ) {
    super('FLEET_REQUEST_FAILED', message)
    this.name = 'FleetRequestError'
    this.serverId = serverId
    this.route = route
    this.kind = kind
    if (status !== undefined) this.status = status
  }
}

/**
 * No server answered a fleet info route and there is no earlier merged answer to serve. The gateway
 * answers its client with a 5xx; the message says which route and why each server failed.
 */
export class FleetInfoUnavailableError extends ComfyBalancerError<FleetInfoErrorCode> {
  /** The route no server answered. */
  readonly route: FleetRoutePath
  /** Each server's failure, in the fleet's server order (empty when no server is configured). */
  readonly failures: readonly FleetRequestError[]

  constructor(route: FleetRoutePath, failures: readonly FleetRequestError[]) {
    const why =
      failures.length === 0
        ? 'no ComfyUI server is configured'
        : failures.map((failure) => failure.message).join('; ')
    super(
      'FLEET_INFO_UNAVAILABLE',
      `No ComfyUI server answered GET ${route}, and there is no earlier answer to serve: ${why}. ` +
        'Check that the servers are running and reachable from the gateway, and their URLs and headers in its configuration.',
    )
    this.name = 'FleetInfoUnavailableError'
    this.route = route
    this.failures = failures
  }
}
