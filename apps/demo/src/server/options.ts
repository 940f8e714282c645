import { readFileSync } from 'node:fs'

/** How the demo was started. */
export interface DemoOptions {
  readonly headless: boolean
  readonly jobs: number
  readonly port: number
  /** Real servers to use instead of the embedded cluster (from env or --config). */
  readonly servers: readonly string[] | undefined
  /** Simulated time runs 1/timeScale times faster (embedded cluster only). */
  readonly timeScale: number
  /** With real servers, submit work only when asked. */
  readonly submit: boolean
}

export class DemoUsageError extends Error {}

const USAGE = `Usage: npm run demo -- [options]
  --headless            run a workload and print a report instead of serving the page
  --jobs N              jobs for --headless (default 200)
  --port P              page port on 127.0.0.1 (default 5173; 0 picks a free one)
  --time-scale S        embedded cluster: wall ms per simulated ms (default 1; --headless: 0.25)
  --config FILE         use real ComfyUI servers from a JSON file ({ "servers": [...] })
  --submit              with real servers: allow submitting work (off by default)
Environment: COMFYUI_SERVER_URL and COMFYUI_BACKUP_SERVERS (comma/newline separated) also select
real servers.`

/** Parses argv and the environment; throws DemoUsageError with the usage text on bad input. */
export function parseDemoOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): DemoOptions {
  let headless = false
  let jobs = 200
  let port = 5173
  let timeScale: number | undefined
  let configFile: string | undefined
  let submit = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new DemoUsageError(`${arg} needs a value\n\n${USAGE}`)
      return next
    }
    const number = (text: string, min: number) => {
      const n = Number(text)
      if (!Number.isFinite(n) || n < min)
        throw new DemoUsageError(`${arg} expects a number ≥ ${min}, got "${text}"\n\n${USAGE}`)
      return n
    }
    if (arg === '--headless') headless = true
    else if (arg === '--jobs') jobs = Math.floor(number(value(), 1))
    else if (arg === '--port') port = Math.floor(number(value(), 0))
    else if (arg === '--time-scale') timeScale = number(value(), 0.001)
    else if (arg === '--config') configFile = value()
    else if (arg === '--submit') submit = true
    else if (arg === '--help' || arg === '-h') throw new DemoUsageError(USAGE)
    else throw new DemoUsageError(`Unknown option ${arg}\n\n${USAGE}`)
  }
  return {
    headless,
    jobs,
    port,
    timeScale: timeScale ?? (headless ? 0.25 : 1),
    servers: realServers(configFile, env),
    submit,
  }
}

function realServers(configFile: string | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  if (configFile) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(configFile, 'utf8'))
    } catch (error) {
      throw new DemoUsageError(`--config ${configFile}: ${(error as Error).message}`)
    }
    const servers = (parsed as { servers?: unknown }).servers
    if (!Array.isArray(servers) || servers.length === 0) {
      throw new DemoUsageError(`--config ${configFile}: expected { "servers": ["http://…", …] }`)
    }
    return servers.map((s) => (typeof s === 'string' ? s : String((s as { url?: unknown }).url)))
  }
  const primary = env.COMFYUI_SERVER_URL?.trim()
  if (!primary) return undefined
  const backups = (env.COMFYUI_BACKUP_SERVERS ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
  return [primary, ...backups]
}
