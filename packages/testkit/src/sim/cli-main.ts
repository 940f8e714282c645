import { parseArgs } from 'node:util'
import { type SimCluster, type SimServerSpec, startSimCluster } from './cluster'

/** The `comfy-sim` usage text. */
export const USAGE = `Usage: comfy-sim [options]

Starts simulated ComfyUI servers on 127.0.0.1 and prints their URLs.

Options:
  --servers N          number of servers (default 1, or the number of --speeds)
  --speeds a,b,...     speed factor per server; one value applies to all (default 1)
  --names a,b,...      server names (default sim-1, sim-2, ...)
  --port P             port of the first server; the others take P+1, P+2, ... (default 8188; 0 = free ports)
  --cors               send ComfyUI's --enable-cors-header headers with origin *
  --cors-origin URL    the same, for one origin
  --time-scale S       wall ms per simulated ms, e.g. 0.1 runs ten times as fast (default 1)
  --comfy-version V    the ComfyUI version to simulate (default 0.26.0)
  --reconnect-bug      reproduce ComfyUI's WebSocket reconnect bug #16010
  -h, --help           show this text

Each server also serves a control API under /__sim/ (state, log, fault, speed, crash, down, restart).`

/** A command-line mistake; the message says which. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError'
}

/** Parsed `comfy-sim` options. */
export interface CliOptions {
  specs: SimServerSpec[]
  timeScale: number
  cors: string | undefined
  version: string | undefined
  reconnectBug: boolean
}

/** Where {@link main} writes. */
export interface CliIo {
  out(line: string): void
}

/** Parses `comfy-sim` arguments; undefined for `--help`. Throws {@link CliUsageError}. */
export function parseCliArgs(argv: readonly string[]): CliOptions | undefined {
  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(argv).values
  } catch (error) {
    throw new CliUsageError((error as Error).message)
  }
  if (values.help) return undefined
  const speeds =
    values.speeds === undefined ? undefined : list(values.speeds).map((s) => number('--speeds', s))
  const names = values.names === undefined ? undefined : list(values.names)
  const servers =
    values.servers === undefined
      ? Math.max(speeds?.length ?? 1, names?.length ?? 1)
      : integer('--servers', values.servers, 1, 1000)
  for (const [flag, given] of [
    ['--speeds', speeds],
    ['--names', names],
  ] as const) {
    if (given !== undefined && given.length !== 1 && given.length !== servers) {
      throw new CliUsageError(
        `${flag} has ${given.length} values for ${servers} servers; give 1 or ${servers}.`,
      )
    }
  }
  if (names !== undefined && names.length === 1 && servers > 1) {
    throw new CliUsageError(`--names needs one name per server (${servers}).`)
  }
  for (const speed of speeds ?? []) {
    if (!(speed > 0)) throw new CliUsageError(`--speeds must be positive numbers, got ${speed}.`)
  }
  const basePort = values.port === undefined ? 8188 : integer('--port', values.port, 0, 65_535)
  if (basePort !== 0 && basePort + servers - 1 > 65_535) {
    throw new CliUsageError(`--port ${basePort} leaves no room for ${servers} servers.`)
  }
  const timeScale = values['time-scale'] === undefined ? 1 : number('--time-scale', values['time-scale'])
  if (!(timeScale > 0)) throw new CliUsageError(`--time-scale must be positive, got ${timeScale}.`)
  const specs = Array.from({ length: servers }, (_, index): SimServerSpec => {
    const speed = speeds?.[speeds.length === 1 ? 0 : index] ?? 1
    const name = names?.[index] ?? `sim-${index + 1}`
    return { name, speed, port: basePort === 0 ? 0 : basePort + index }
  })
  return {
    specs,
    timeScale,
    cors: values['cors-origin'] ?? (values.cors ? '*' : undefined),
    version: values['comfy-version'],
    reconnectBug: values['reconnect-bug'] ?? false,
  }
}

/**
 * The `comfy-sim` command: starts the servers and prints one line per server. Returns the running
 * cluster (the caller closes it), or undefined after `--help`. Throws {@link CliUsageError}.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = { out: (line) => console.log(line) },
): Promise<SimCluster | undefined> {
  const options = parseCliArgs(argv)
  if (options === undefined) {
    io.out(USAGE)
    return undefined
  }
  const cluster = await startSimCluster(options.specs, {
    timeScale: options.timeScale,
    ...(options.cors === undefined ? {} : { cors: options.cors }),
    ...(options.version === undefined ? {} : { version: options.version }),
    reconnectBug: options.reconnectBug,
  })
  const width = Math.max(...cluster.sims.map((sim) => sim.name.length))
  io.out(
    `comfy-sim: ${cluster.sims.length} simulated ComfyUI server${cluster.sims.length === 1 ? '' : 's'}` +
      ` (time scale ${options.timeScale}, ${options.cors === undefined ? 'origin check' : `CORS ${options.cors}`})`,
  )
  for (const sim of cluster.sims) {
    io.out(`${sim.name.padEnd(width)}  ${sim.url}  speed ${sim.model.speed}`)
  }
  io.out(`Control API: ${cluster.urls[0]}/__sim/state (and /log, /fault, /speed, /crash, /down, /restart)`)
  return cluster
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      servers: { type: 'string' },
      speeds: { type: 'string' },
      names: { type: 'string' },
      port: { type: 'string' },
      cors: { type: 'boolean' },
      'cors-origin': { type: 'string' },
      'time-scale': { type: 'string' },
      'comfy-version': { type: 'string' },
      'reconnect-bug': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function number(flag: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value))
    throw new CliUsageError(`${flag}: "${text}" is not a number.`)
  return value
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = number(flag, text)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CliUsageError(`${flag} must be an integer from ${min} to ${max}, got ${text}.`)
  }
  return value
}
