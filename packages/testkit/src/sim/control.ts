import {
  ENDPOINTS,
  type Endpoint,
  type ExecutionLogEntry,
  type Fault,
  type FaultKind,
  type WorkerFault,
} from '../model/types'

/** What `GET /__sim/state` reports, and `sim.state()` returns. */
export interface SimState {
  name: string
  url: string
  /** Whether the server is listening (false between `down()` and `up()`). */
  up: boolean
  speed: number
  /** The simulated ComfyUI version. */
  version: string
  /** The `Access-Control-Allow-Origin` value, or null when the origin check is on instead. */
  cors: string | null
  /** Wall ms per simulated ms, or null on a caller-supplied clock. */
  timeScale: number | null
  /** The server's clock, in simulated epoch ms. */
  now: number
  fault: Fault | null
  /** The worker's fault (`black-hole`, `stall`), or null. */
  workerFault: WorkerFault | null
  queueRemaining: number
  /** Open WebSocket connections. */
  wsClients: number
  requestCounts: Readonly<Record<Endpoint, number>>
  bytesSent: Readonly<Record<Endpoint, number>>
}

/** What the control routes drive: the sim server. */
export interface ControlTarget {
  state(): SimState
  readonly log: readonly ExecutionLogEntry[]
  setFault(fault: Fault | undefined): void
  setWorkerFault(fault: WorkerFault | undefined): void
  setSpeed(speed: number): void
  crash(): void
  down(options?: { forMs?: number }): Promise<void>
  restart(options?: { downMs?: number }): Promise<void>
}

/** The path prefix of the control API; a real ComfyUI has no such routes. */
export const CONTROL_PREFIX = '/__sim'

const FAULT_KINDS: readonly FaultKind[] = ['refuse', 'hang', 'http500', 'malformed', 'wrongShape', 'slow']
const FAULT_ALIASES: Readonly<Record<string, FaultKind>> = { down: 'refuse', '500': 'http500' }

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Serves `/__sim/...`. Lifecycle actions that drop connections (crash, down, restart) are passed to
 * `afterResponse`, so the caller's own response is written first.
 */
export async function handleControl(
  target: ControlTarget,
  request: Request,
  path: string,
  afterResponse: (action: () => void) => void,
): Promise<Response> {
  try {
    const route = `${request.method} ${path.slice(CONTROL_PREFIX.length)}`
    switch (route) {
      case 'GET /state':
        return json(target.state())
      case 'GET /log':
        return json(target.log)
      case 'POST /fault': {
        const fault = parseFault(await readJson(request))
        target.setFault(fault)
        return json({ fault: fault ?? null })
      }
      case 'DELETE /fault':
        target.setFault(undefined)
        return json({ fault: null })
      case 'POST /worker': {
        const { fault } = await readJson(request)
        if (fault !== null && fault !== undefined && fault !== 'black-hole' && fault !== 'stall') {
          throw new ControlError(
            400,
            `worker fault must be "black-hole", "stall" or null, not ${JSON.stringify(fault)}`,
          )
        }
        target.setWorkerFault(fault ?? undefined)
        return json({ workerFault: fault ?? null })
      }
      case 'POST /speed': {
        const { speed } = await readJson(request)
        if (typeof speed !== 'number' || !(speed > 0) || !Number.isFinite(speed)) {
          throw new ControlError(400, 'speed must be a positive number')
        }
        target.setSpeed(speed)
        return json({ speed })
      }
      case 'POST /crash':
        await readJson(request)
        afterResponse(() => target.crash())
        return json({ crashed: true })
      case 'POST /down': {
        const forMs = optionalMs(await readJson(request), 'forMs')
        afterResponse(() => void target.down(forMs === undefined ? {} : { forMs }))
        return json({ down: true, forMs: forMs ?? null })
      }
      case 'POST /restart': {
        const downMs = optionalMs(await readJson(request), 'downMs')
        afterResponse(() => void target.restart(downMs === undefined ? {} : { downMs }))
        return json({ restarted: true, downMs: downMs ?? null })
      }
      default:
        return KNOWN_PATHS.has(path.slice(CONTROL_PREFIX.length))
          ? json({ error: `${request.method} is not allowed on ${path}` }, 405)
          : json({ error: `unknown control route ${path}; see ${CONTROL_PREFIX}/state` }, 404)
    }
  } catch (error) {
    if (error instanceof ControlError) return json({ error: error.message }, error.status)
    if (error instanceof RangeError) return json({ error: error.message }, 400)
    throw error
  }
}

const KNOWN_PATHS = new Set(['/state', '/log', '/fault', '/worker', '/speed', '/crash', '/down', '/restart'])

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  })
}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text()
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ControlError(400, 'the body must be JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ControlError(400, 'the body must be a JSON object')
  }
  return value as Record<string, unknown>
}

function optionalMs(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new ControlError(400, `${key} must be a non-negative number of simulated milliseconds`)
  }
  return value
}

/** A fault from a control request body; `{}` or `{"kind": null}` clears it. */
export function parseFault(body: Record<string, unknown>): Fault | undefined {
  const { kind, delayMs, endpoints, process } = body
  if (kind === undefined || kind === null) return undefined
  const resolved = typeof kind === 'string' ? (FAULT_ALIASES[kind] ?? kind) : kind
  if (!FAULT_KINDS.includes(resolved as FaultKind)) {
    throw new ControlError(400, `kind must be one of ${[...FAULT_KINDS, 'down', '500'].join(', ')}`)
  }
  const fault: Fault = { kind: resolved as FaultKind }
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new ControlError(400, 'delayMs must be a non-negative number')
    }
    fault.delayMs = delayMs
  }
  if (endpoints !== undefined) {
    if (!Array.isArray(endpoints) || !endpoints.every((e) => ENDPOINTS.includes(e as Endpoint))) {
      throw new ControlError(400, `endpoints must be a list of ${ENDPOINTS.join(', ')}`)
    }
    fault.endpoints = endpoints as Endpoint[]
  }
  if (process !== undefined) {
    if (typeof process !== 'boolean') throw new ControlError(400, 'process must be a boolean')
    fault.process = process
  }
  return fault
}
