import {
  type BalancerConfigInput,
  createLoadBalancer,
  type LoadBalancer,
  type Strategy,
  silentLogger,
} from '@comfy-balancer/core'
import { createTestClock, seededRandom, type TestClock } from '@comfy-balancer/testkit'
import { createMswCluster, type MswCluster } from '@comfy-balancer/testkit/msw'
import { act, cleanup } from '@testing-library/react'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'

/** One msw server per test file; each test installs the handlers of its own cluster. */
export const mswServer = setupServer()

export function installMsw(): void {
  beforeAll(() => mswServer.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => {
    cleanup() // unmount what the test rendered (no vitest globals, so Testing Library cannot do it itself)
    mswServer.resetHandlers()
  })
  afterAll(() => mswServer.close())
}

export const A = 'http://gpu-a.test:8188'
export const B = 'http://gpu-b.test:8188'
export const C = 'http://gpu-c.test:8188'
export const idOf = (url: string): string => url.replace('http://', '')

export interface Harness {
  readonly clock: TestClock
  readonly cluster: MswCluster
  readonly balancer: LoadBalancer
  /** Moves the clock inside `act`, so React applies what the balancer published meanwhile. */
  advance(ms: number): Promise<void>
  /** Lets pending requests and notifications settle (no time passes), inside `act`. */
  settle(): Promise<void>
}

/**
 * A balancer on a simulated cluster (msw handlers from testkit), driven by a test clock: no real
 * sleeps, no real network. Background probing every 15 s without jitter.
 */
export function harness(
  options: {
    servers?: readonly string[]
    config?: Partial<BalancerConfigInput>
    clusterUrls?: readonly string[]
    strategy?: Strategy
  } = {},
): Harness {
  const clock = createTestClock()
  const servers = options.servers ?? [A, B]
  const cluster = createMswCluster(
    (options.clusterUrls ?? servers).map((url) => ({ url })),
    clock,
  )
  mswServer.resetHandlers(...cluster.handlers)
  const balancer = createLoadBalancer({
    // These tests are about showing health changes, not about when they happen: one probe decides.
    // (core's own tests cover the default thresholds of two probes each way.)
    config: {
      servers: [...servers],
      probe: { jitter: 0, unhealthyAfter: 1, healthyAfter: 1 },
      ...options.config,
    },
    clock,
    random: seededRandom(1),
    logger: silentLogger,
    ...(options.strategy ? { strategy: options.strategy } : {}),
  })
  return {
    clock,
    cluster,
    balancer,
    advance: (ms) => act(() => clock.advance(ms)),
    settle: () => act(() => clock.flush()),
  }
}

/** A SimWork prompt that takes `ms` of work at speed 1. */
export function work(ms: number): Record<string, unknown> {
  return { '1': { class_type: 'SimWork', inputs: { ms } } }
}
