import { createTestClock, seededRandom, type TestClock } from '@comfy-balancer/testkit'
import { createMswCluster } from '@comfy-balancer/testkit/msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import {
  type BalancerConfigInput,
  createLoadBalancer,
  type LoadBalancer,
  type Logger,
  type Strategy,
} from '../index.js'

/** One msw server per test file; each test installs the handlers of its own cluster. */
export const mswServer = setupServer()

export function useMsw(): void {
  beforeAll(() => mswServer.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => mswServer.resetHandlers())
  afterAll(() => mswServer.close())
}

export interface CapturedLine {
  readonly level: string
  readonly message: string
  readonly fields?: unknown
}

/** A logger that keeps every line, at every level, so tests can read and scan them. */
export function captureLogger(): Logger & { lines: CapturedLine[]; text(): string } {
  const lines: CapturedLine[] = []
  const at =
    (level: string) =>
    (message: string, fields?: unknown): void => {
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
  readonly cluster: ReturnType<typeof createMswCluster>
  readonly balancer: LoadBalancer
  readonly logger: ReturnType<typeof captureLogger>
  /** The simulated server behind a URL. */
  model(url: string): ReturnType<ReturnType<typeof createMswCluster>['model']>
}

/** A balancer on a simulated cluster, driven by a test clock; `config` overrides the server list. */
export function harness(options: {
  servers?: readonly (string | ClusterSpec)[]
  config?: Partial<BalancerConfigInput>
  strategy?: Strategy
  seed?: number
}): Harness {
  const clock = createTestClock()
  const specs = (options.servers ?? FOUR).map((server) =>
    typeof server === 'string' ? { url: server } : server,
  )
  const cluster = createMswCluster(specs, clock)
  mswServer.resetHandlers(...cluster.handlers)
  const logger = captureLogger()
  const balancer = createLoadBalancer({
    config: { servers: specs.map((spec) => spec.url), ...options.config },
    clock,
    random: seededRandom(options.seed ?? 1),
    logger,
    ...(options.strategy ? { strategy: options.strategy } : {}),
  })
  return { clock, cluster, balancer, logger, model: (url) => cluster.model(url) }
}

/** A SimWork prompt that takes `ms` of work at speed 1. */
export function work(ms: number): Record<string, unknown> {
  return { '1': { class_type: 'SimWork', inputs: { ms } } }
}
