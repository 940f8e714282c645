import type { LoadBalancer } from '@comfy-balancer/core'
import { GatewayOptionsError } from './errors.js'

/** How to start a gateway. */
export interface GatewayOptions {
  /** The balancer that places the gateway's jobs (the gateway does not dispose it). */
  readonly balancer: LoadBalancer
  /** Address to listen on. Default `127.0.0.1`: only this machine. */
  readonly host?: string
  /** Port to listen on; 0 picks a free one. Default 8188, ComfyUI's. */
  readonly port?: number
  /**
   * Bearer tokens that may use the gateway (`Authorization: Bearer <token>`, or `?token=` for clients
   * that cannot set headers). Each token sees only its own prompts, history and outputs. None: open.
   */
  readonly tokens?: readonly string[]
  /** Serve without tokens on an address other machines reach. Default false: refuse to start. */
  readonly open?: boolean
  /** Largest request body accepted (bytes). Default 100 MiB, ComfyUI's `--max-upload-size`. */
  readonly bodyLimitBytes?: number
  /** Finished prompts kept in history per gateway (oldest dropped). Default 10,000, as ComfyUI. */
  readonly maxHistory?: number
  /**
   * A directory for the gateway's state (SQLite): the prompts it took, their history, its number
   * counter and uploads survive a restart, and a restarted gateway follows the prompts still on
   * servers. Default: none (state lives in the process only).
   */
  readonly dataDir?: string
  /**
   * Share state with other gateways through Redis, instead of `dataDir`: gateways on one Redis (and
   * one `prefix`) behind an ordinary HTTP load balancer act as one — a prompt posted through one is
   * visible, interruptible and streamed through another. `id` names this gateway (default: a new one
   * per process); one restarted with the same id follows the prompts it was running.
   */
  readonly redis?: { readonly url: string; readonly prefix?: string; readonly id?: string }
  /** One line per job and errors; default `console`. */
  readonly log?: (line: string) => void
}

/** The options with defaults, checked. */
export interface GatewaySettings {
  readonly host: string
  readonly port: number
  readonly tokens: readonly string[]
  readonly open: boolean
  readonly bodyLimitBytes: number
  readonly maxHistory: number
  readonly log: (line: string) => void
  readonly dataDir: string | undefined
  readonly redis: GatewayOptions['redis']
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/** Whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Fills in the defaults; throws `GatewayOptionsError` naming the first bad option. */
export function gatewaySettings(options: GatewayOptions): GatewaySettings {
  const {
    host = '127.0.0.1',
    port = 8188,
    tokens = [],
    open = false,
    bodyLimitBytes = 100 * 1024 * 1024,
    maxHistory = 10_000,
    log = (line: string) => console.log(line),
  } = options
  if (typeof host !== 'string' || host === '')
    throw new GatewayOptionsError(`host must be an address; got ${String(host)}.`)
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new GatewayOptionsError(`port must be a whole number from 0 to 65535; got ${String(port)}.`)
  for (const [i, token] of tokens.entries()) {
    // Never echo a token: it is a secret even when malformed.
    if (typeof token !== 'string' || token.length < 8 || /\s/.test(token))
      throw new GatewayOptionsError(`tokens[${i}] must be a string of at least 8 characters without spaces.`)
  }
  if (!Number.isInteger(bodyLimitBytes) || bodyLimitBytes < 1024)
    throw new GatewayOptionsError(
      `bodyLimitBytes must be a whole number ≥ 1024; got ${String(bodyLimitBytes)}.`,
    )
  if (!Number.isInteger(maxHistory) || maxHistory < 1)
    throw new GatewayOptionsError(`maxHistory must be a whole number ≥ 1; got ${String(maxHistory)}.`)
  const { dataDir } = options
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir === ''))
    throw new GatewayOptionsError(`dataDir must be a directory path; got ${String(dataDir)}.`)
  const { redis } = options
  if (redis !== undefined && dataDir !== undefined)
    throw new GatewayOptionsError('Give dataDir or redis, not both: the state lives in one place.')
  if (redis !== undefined && !/^rediss?:\/\//.test(String(redis.url)))
    throw new GatewayOptionsError('redis.url must be a redis:// or rediss:// URL.')
  return { host, port, tokens: [...tokens], open, bodyLimitBytes, maxHistory, log, dataDir, redis }
}
