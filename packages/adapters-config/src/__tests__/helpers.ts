import {
  type BalancerEventName,
  type BalancerEvents,
  type ComfyBalancerError,
  type ConfigSource,
  createLoadBalancer,
  type LoadBalancer,
  silentLogger,
} from '@comfy-balancer/core'
import type { TestClock } from '@comfy-balancer/testkit'
import { type MswCluster, type MswClusterHarness, useMswCluster } from '@comfy-balancer/testkit/msw'
import type { SetupServer } from 'msw/node'

let fileMsw: MswClusterHarness | undefined

/** Wires the file's msw server (testkit's `useMswCluster`); each test installs its own cluster. */
export function useMsw(): void {
  fileMsw = useMswCluster()
}

function msw(): MswClusterHarness {
  if (!fileMsw) throw new Error('call useMsw() at the top of the test file first')
  return fileMsw
}

/** The file's msw server, for `use(...)` overrides inside a test. */
export function mswServer(): SetupServer {
  return msw().server
}

/** Four simulated ComfyUI servers: a primary and three backups on made-up hosts msw answers for. */
export const FOUR = [
  'http://gpu-a.test:8188',
  'http://gpu-b.test:8188',
  'http://gpu-c.test:8188',
  'http://gpu-d.test:8188',
]

/** Resolves with the next `name` event; rejects after `ms` of real time so a missing event fails fast. */
export function nextEvent<K extends BalancerEventName>(
  balancer: LoadBalancer,
  name: K,
  ms = 5_000,
): Promise<BalancerEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`no "${name}" event within ${ms} ms`))
    }, ms)
    const stop = balancer.on(name, (event) => {
      clearTimeout(timer)
      stop()
      resolve(event)
    })
  })
}

/** Resolves when `promise` does; rejects after `ms` of real time. */
export function within<T>(promise: Promise<T>, ms = 5_000, what = 'promise'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

export interface Running {
  readonly clock: TestClock
  readonly cluster: MswCluster
  readonly balancer: LoadBalancer
  /** Every error event, in order. */
  readonly errors: ComfyBalancerError[]
}

/** A balancer on a simulated cluster of {@link FOUR} (plus `extra` URLs), reading `source`. */
export function runBalancer(
  source: (clock: TestClock) => ConfigSource,
  extra: readonly string[] = [],
): Running {
  const cluster = msw().install([...FOUR, ...extra].map((url) => ({ url })))
  const clock = cluster.clock
  const balancer = createLoadBalancer({ source: source(clock), clock, logger: silentLogger })
  const errors: ComfyBalancerError[] = []
  balancer.on('error', (event) => errors.push(event.error))
  return { clock, cluster, balancer, errors }
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection, but the promise resolved')
}
