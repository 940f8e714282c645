import { ComfyBalancerError } from './base.js'

/** Which probe failed. */
export type ProbeKind = 'health' | 'queue'

/** A health or queue probe of one server failed. Its message is the server's `healthReason`. */
export class ProbeError extends ComfyBalancerError {
  readonly serverId: string
  readonly probe: ProbeKind
  /** HTTP status, when the server answered with one. */
  readonly status?: number

  constructor(
    serverId: string,
    probe: ProbeKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super('PROBE_FAILED', message, options)
    this.name = 'ProbeError'
    this.serverId = serverId
    this.probe = probe
    if (options?.status !== undefined) this.status = options.status
  }
}

/** No server could be chosen and the fallback policy is `error`. */
export class NoServerAvailableError extends ComfyBalancerError {
  /** Each server tried, with why it was not usable. */
  readonly servers: ReadonlyArray<{ readonly id: string; readonly reason: string }>

  constructor(servers: ReadonlyArray<{ readonly id: string; readonly reason: string }>, detail?: string) {
    const list = servers.map((s) => `${s.id} (${s.reason})`).join(', ')
    super(
      'NO_SERVER_AVAILABLE',
      `No ComfyUI server is available${detail ? ` ${detail}` : ''}: ${list || 'no servers configured'}. ` +
        "Check that the servers are running, or set fallback: 'primary' to use the primary anyway.",
    )
    this.name = 'NoServerAvailableError'
    this.servers = servers
  }
}

/** A call named a server that is not in the current config. */
export class UnknownServerError extends ComfyBalancerError {
  readonly server: string

  constructor(server: string, known: readonly string[]) {
    super(
      'UNKNOWN_SERVER',
      `Unknown server "${server}": expected one of the configured ids or URLs (${known.join(', ')}).`,
    )
    this.name = 'UnknownServerError'
    this.server = server
  }
}

/** A call was made with an argument of the wrong kind. */
export class InvalidArgumentError extends ComfyBalancerError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message)
    this.name = 'InvalidArgumentError'
  }
}

/** The balancer was disposed; create a new one. */
export class DisposedError extends ComfyBalancerError {
  constructor(operation: string) {
    super('DISPOSED', `Cannot ${operation}: this load balancer was disposed. Create a new one.`)
    this.name = 'DisposedError'
  }
}

/** A strategy threw; the balancer used the primary instead (reported through the `error` event). */
export class StrategyError extends ComfyBalancerError {
  readonly strategy: string

  constructor(strategy: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    super(
      'STRATEGY_FAILED',
      `Strategy "${strategy}" threw (${detail}); the primary server was used instead.`,
      {
        cause,
      },
    )
    this.name = 'StrategyError'
    this.strategy = strategy
  }
}
