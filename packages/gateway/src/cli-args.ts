import { parseArgs } from 'node:util'
import { GatewayOptionsError } from './errors.js'

/** What the command line asked for. */
export interface CliArgs {
  readonly host: string | undefined
  readonly port: number | undefined
  /** Server URLs from `--servers a,b`. */
  readonly servers: readonly string[] | undefined
  /** A balancer config file (JSON), from `--config`. */
  readonly config: string | undefined
  /** Read the balancer config from `COMFY_BALANCER_*` environment variables (`--env`). */
  readonly env: boolean
  readonly tokens: readonly string[]
  readonly open: boolean
  /** Where the gateway keeps its state; `--data-dir`, default `./comfy-gateway-data`. */
  readonly dataDir: string
  /** Share state with other gateways on this Redis (`--redis`) instead of the data directory. */
  readonly redis: string | undefined
  /** This gateway's name among those sharing a Redis (`--gateway-id`). */
  readonly gatewayId: string | undefined
  readonly help: boolean
}

export const USAGE = `Usage: comfy-balancer-gateway [options]

A ComfyUI-compatible gateway: point any ComfyUI client at it instead of one server.

  --servers <urls>   comma-separated ComfyUI URLs (http://10.0.0.5:8188,http://10.0.0.6:8188)
  --config <file>    a comfy-balancer config file (JSON), watched for changes
  --env              the config from COMFY_BALANCER_* environment variables
  --host <address>   address to listen on (default 127.0.0.1)
  --port <port>      port to listen on (default 8188; 0: any free port)
  --token <token>    a bearer token clients must send (repeat for several; also GATEWAY_TOKENS,
                     comma-separated). Each token sees only its own prompts.
  --open             serve without tokens on a non-loopback address, on purpose
  --data-dir <dir>   where prompts, history and uploads survive a restart (default
                     ./comfy-gateway-data)
  --redis <url>      share state with other gateways on this Redis instead (they act as one; the
                     balancers share in-flight counts and probes too)
  --gateway-id <id>  this gateway's name on that Redis: restarted with the same id, it follows the
                     prompts it was running (default: host name and port)
  --help             this text`

/** Parses `argv` (without node and the script); throws `GatewayOptionsError` naming a bad flag. */
export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliArgs {
  let values: Record<string, string | boolean | string[] | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        servers: { type: 'string' },
        config: { type: 'string' },
        env: { type: 'boolean', default: false },
        host: { type: 'string' },
        port: { type: 'string' },
        token: { type: 'string', multiple: true },
        open: { type: 'boolean', default: false },
        'data-dir': { type: 'string', default: 'comfy-gateway-data' },
        redis: { type: 'string' },
        'gateway-id': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }))
  } catch (error) {
    throw new GatewayOptionsError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
  }
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && !Number.isInteger(port))
    throw new GatewayOptionsError(`--port must be a whole number; got ${String(values.port)}.`)
  const servers =
    typeof values.servers === 'string'
      ? values.servers
          .split(',')
          .map((url) => url.trim())
          .filter(Boolean)
      : undefined
  const sources = [servers !== undefined, values.config !== undefined, values.env === true].filter(
    Boolean,
  ).length
  if (sources !== 1 && values.help !== true)
    throw new GatewayOptionsError(`Give exactly one of --servers, --config or --env.\n\n${USAGE}`)
  const fromEnv = (env.GATEWAY_TOKENS ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean)
  return {
    host: values.host as string | undefined,
    port,
    servers,
    config: values.config as string | undefined,
    env: values.env === true,
    tokens: [...((values.token as string[] | undefined) ?? []), ...fromEnv],
    open: values.open === true,
    dataDir: values['data-dir'] as string,
    redis: values.redis as string | undefined,
    gatewayId: values['gateway-id'] as string | undefined,
    help: values.help === true,
  }
}
