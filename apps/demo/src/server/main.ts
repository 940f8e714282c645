import { fileURLToPath } from 'node:url'
import { DEMO_GPUS, demoPageServers, describeGpu, startDemoCluster } from './cluster.js'
import { runHeadless } from './headless.js'
import { DemoUsageError, parseDemoOptions } from './options.js'
import { startPageServer } from './page-server.js'

/** `npm run demo`: the embedded cluster and the page, or `--headless` for a console report. */
export async function main(argv: readonly string[]): Promise<void> {
  const options = parseDemoOptions(argv)
  if (options.headless) {
    if (options.servers) throw new DemoUsageError('--headless runs on the embedded cluster only.')
    await runHeadless(options.jobs, options.timeScale)
    return
  }
  const webRoot = fileURLToPath(new URL('../web/', import.meta.url))
  const cluster = options.servers ? undefined : await startDemoCluster(options.timeScale)
  const servers = options.servers
    ? options.servers.map((url, i) => ({ url, name: new URL(url).host || `server-${i + 1}`, weight: 1 }))
    : demoPageServers(cluster!)
  const page = await startPageServer(webRoot, options.port, {
    servers,
    simulated: cluster !== undefined,
    submit: cluster !== undefined || options.submit,
  })
  console.log(
    cluster ? 'Simulated ComfyUI cluster:' : 'Real ComfyUI servers (no work is submitted unless --submit):',
  )
  for (const [i, server] of servers.entries())
    console.log(
      `  ${server.name.padEnd(12)} ${server.url}${cluster ? `  ${describeGpu(DEMO_GPUS[i]!)}` : ''}`,
    )
  console.log(`\nDemo page: ${page.url}\n(Ctrl-C to stop)`)
  const stop = async () => {
    await page.close()
    await cluster?.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof DemoUsageError ? error.message : error)
  process.exit(error instanceof DemoUsageError ? 2 : 1)
})
