import { envConfig, jsonConfig } from '@comfy-balancer/config'
import { type ConfigSource, createLoadBalancer, type LoadBalancer } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { parseCliArgs, USAGE } from './cli-args.js'
import { createGateway } from './gateway.js'

/**
 * The `comfy-balancer-gateway` command: starts a balancer and the gateway in front of it, prints
 * the URL, and on SIGTERM / SIGINT stops taking requests, closes sockets and disposes the balancer.
 * Resolves with an exit code once stopped (undefined: keep running until a signal).
 */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number | undefined> {
  const args = parseCliArgs(argv, env)
  if (args.help) {
    console.log(USAGE)
    return 0
  }
  const transport = createNodeTransport()
  const source: ConfigSource | undefined =
    args.config !== undefined
      ? jsonConfig(args.config)
      : args.env
        ? envConfig({ env: env as Record<string, string | undefined> })
        : undefined
  const balancer: LoadBalancer = createLoadBalancer({
    ...(source === undefined ? { config: { servers: [...(args.servers ?? [])] } } : { source }),
    fetch: transport.fetch,
    webSocket: transport.webSocket,
  })
  const gateway = createGateway({
    balancer,
    ...(args.host === undefined ? {} : { host: args.host }),
    ...(args.port === undefined ? {} : { port: args.port }),
    tokens: args.tokens,
    open: args.open,
    dataDir: args.dataDir,
  })
  balancer.start()
  const url = await gateway.listen()
  console.log(`comfy-balancer gateway listening on ${url}`)
  const stop = async (signal: string) => {
    console.log(`${signal}: stopping (${gateway.unfinished} prompts not finished stay on their servers)`)
    await gateway.close()
    balancer.dispose()
    await transport.close()
  }
  process.once('SIGTERM', () => void stop('SIGTERM'))
  process.once('SIGINT', () => void stop('SIGINT'))
  return undefined
}
