import { hostname } from 'node:os'
import { envConfig, jsonConfig } from '@comfy-balancer/config'
import { type ConfigSource, createLoadBalancer } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { createRedisStateStore } from '@comfy-balancer/redis'
import { parseCliArgs, USAGE } from './cli-args.js'
import { createGateway } from './gateway.js'

/** A gateway the command started: its URL, and how to stop it. */
export interface CliGateway {
  readonly url: string
  /** Stops taking requests, closes sockets and state, disposes the balancer. */
  stop(reason: string): Promise<void>
}

/**
 * The `comfy-balancer-gateway` command without the process around it: starts a balancer and the
 * gateway in front of it and prints the URL. Undefined for `--help`.
 */
export async function startCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void = (line) => console.log(line),
): Promise<CliGateway | undefined> {
  const args = parseCliArgs(argv, env)
  if (args.help) {
    log(USAGE)
    return undefined
  }
  const transport = createNodeTransport()
  const source: ConfigSource | undefined =
    args.config !== undefined
      ? jsonConfig(args.config)
      : args.env
        ? envConfig({ env: env as Record<string, string | undefined> })
        : undefined
  // Gateways on one Redis also share what their balancers know: in-flight counts, probes, owners.
  const stateStore =
    args.redis === undefined
      ? undefined
      : createRedisStateStore({ url: args.redis, prefix: 'comfy-gateway:balancer:' })
  const balancer = createLoadBalancer({
    ...(source === undefined ? { config: { servers: [...(args.servers ?? [])] } } : { source }),
    fetch: transport.fetch,
    webSocket: transport.webSocket,
    ...(stateStore === undefined ? {} : { stateStore }),
  })
  const port = args.port ?? 8188
  const gateway = createGateway({
    balancer,
    ...(args.host === undefined ? {} : { host: args.host }),
    ...(args.port === undefined ? {} : { port: args.port }),
    tokens: args.tokens,
    open: args.open,
    ...(args.redis === undefined
      ? { dataDir: args.dataDir }
      : { redis: { url: args.redis, id: args.gatewayId ?? `${hostname()}:${port}` } }),
    log,
  })
  balancer.start()
  const url = await gateway.listen()
  log(`comfy-balancer gateway listening on ${url}`)
  return {
    url,
    async stop(reason) {
      log(
        `${reason}: stopping; ${gateway.unfinished} prompts not finished are kept in ${args.dataDir} and followed on the next start`,
      )
      await gateway.close()
      balancer.dispose()
      await stateStore?.dispose()
      await transport.close()
    },
  }
}
