import {
  type CatalogOptions,
  createTestClock,
  describeForScan,
  driveClock,
  type ModelMemoryOptions,
  recordEvents,
  recordLine,
  type Settled,
  seededRandom,
  seededUuid,
  TEST_AUTH_HEADERS,
  type TestClock,
} from '@comfy-balancer/testkit'
import { type MswCluster, type MswClusterHarness, useMswCluster } from '@comfy-balancer/testkit/msw'
import { afterEach } from 'vitest'
import {
  type BalancerConfigInput,
  createLoadBalancer,
  type LateBindingOptions,
  type LoadBalancer,
  type Logger,
  type Strategy,
} from '../index.js'

export { uuidFrom } from '@comfy-balancer/testkit'

let fileMsw: MswClusterHarness | undefined
/** The balancers made in the running test, disposed after it so none keeps working into the next. */
const live: LoadBalancer[] = []

/**
 * Wires the file's msw server (testkit's `useMswCluster`); call it at the top of a test file that
 * uses {@link harness}. Each test then installs the handlers of its own cluster.
 */
export function useMsw(): MswClusterHarness {
  // Registered after useMswCluster's hooks, so it runs before its handlers are dropped.
  fileMsw = useMswCluster()
  afterEach(() => {
    for (const balancer of live.splice(0)) balancer.dispose()
  })
  return fileMsw
}

function msw(): MswClusterHarness {
  if (fileMsw === undefined) throw new Error('harness(): call useMsw() at the top of the test file first.')
  return fileMsw
}

export interface CapturedLine {
  readonly level: string
  readonly message: string
  readonly fields?: unknown
}

/**
 * A logger that keeps every line, at every level, so tests can read and scan them. Every line also
 * goes to testkit's suite-wide record, which the credential scan (vitest.credential-scan.ts) checks.
 */
export function captureLogger(): Logger & { lines: CapturedLine[]; text(): string } {
  const lines: CapturedLine[] = []
  const at =
    (level: string) =>
    (message: string, fields?: unknown): void => {
      recordLine(
        'logger:core',
        `${level} ${message}${fields === undefined ? '' : ` ${describeForScan(fields)}`}`,
      )
      lines.push(fields === undefined ? { level, message } : { level, message, fields })
    }
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () =>
      lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.fields ?? '')}`).join('\n'),
  }
}

export interface ClusterSpec {
  readonly url: string
  readonly speed?: number
  readonly id?: string
  /** What the server can run (node classes, model files); default the simulator's catalog. */
  readonly catalog?: CatalogOptions
  /** Model sizes, disk speed and VRAM slots; default instant loads. */
  readonly models?: ModelMemoryOptions
}

/** The usual four servers: a primary and three backups on made-up hosts (msw answers for them). */
export const FOUR = [
  'http://gpu-a.test:8188',
  'http://gpu-b.test:8188',
  'http://gpu-c.test:8188',
  'http://gpu-d.test:8188',
]

export interface Harness {
  readonly clock: TestClock
  readonly cluster: MswCluster
  readonly balancer: LoadBalancer
  readonly logger: ReturnType<typeof captureLogger>
  /** The base URL of every `POST /prompt` the balancer sent, in order (refused ones included). */
  readonly posts: string[]
  /** The simulated server behind a URL. */
  model(url: string): ReturnType<MswCluster['model']>
}

/**
 * A balancer on a simulated cluster, driven by a test clock; `config` overrides the server list.
 * Every server is configured with testkit's credential headers (a bearer token and an API key),
 * and every event is recorded, so the suite-wide credential scan sees them exercised.
 */
export function harness(options: {
  servers?: readonly (string | ClusterSpec)[]
  config?: Partial<BalancerConfigInput>
  strategy?: Strategy
  /** Late binding's tuning (`createLoadBalancer({ dispatch })`). */
  dispatch?: LateBindingOptions
  seed?: number
  /** Record every event for the credential scan (one listener per event name); default true. */
  recordEvents?: boolean
}): Harness {
  const specs = (options.servers ?? FOUR).map((server) =>
    typeof server === 'string' ? { url: server } : server,
  )
  const cluster = msw().install(specs, createTestClock())
  const clock = cluster.clock
  const logger = captureLogger()
  const posts: string[] = []
  const balancer = createLoadBalancer({
    fetch: (input, init) => {
      if (init?.method === 'POST' && input.endsWith('/prompt')) posts.push(input.slice(0, -'/prompt'.length))
      return globalThis.fetch(input, init)
    },
    config: {
      servers: specs.map((spec) => ({ url: spec.url, headers: TEST_AUTH_HEADERS })),
      ...options.config,
    },
    clock,
    random: seededRandom(options.seed ?? 1),
    createPromptId: seededUuid((options.seed ?? 1) + 1000),
    logger,
    ...(options.strategy ? { strategy: options.strategy } : {}),
    ...(options.dispatch ? { dispatch: options.dispatch } : {}),
  })
  live.push(balancer)
  if (options.recordEvents !== false) recordEvents(balancer as unknown as Parameters<typeof recordEvents>[0])
  return { clock, cluster, balancer, logger, posts, model: (url) => cluster.model(url) }
}

/** POST at once (early binding), for tests of what a server's own queue does with a job. */
export const EARLY = { binding: 'early' } as const

/** A SimWork prompt that takes `ms` of work at speed 1. */
export function work(ms: number): Record<string, unknown> {
  return { '1': { class_type: 'SimWork', inputs: { ms } } }
}

/**
 * Advances the test clock in steps until `promise` settles (or `maxMs` of clock time passed), and
 * returns its outcome — for flows that poll on the clock.
 */
export function drive<T>(
  clock: TestClock,
  promise: Promise<T>,
  options: { stepMs?: number; maxMs?: number } = {},
): Promise<Settled<T>> {
  return driveClock(clock, promise, options)
}

/** Every run of `promptId` across the cluster's servers, as `server:outcome`. */
export function runsOf(h: Harness, promptId: string): string[] {
  const runs: string[] = []
  for (const [url, model] of h.cluster.models) {
    for (const entry of model.log)
      if (entry.promptId === promptId) runs.push(`${url}:${entry.outcome ?? 'running'}`)
  }
  return runs
}
