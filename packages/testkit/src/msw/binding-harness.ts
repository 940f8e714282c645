import { afterEach, expect } from 'vitest'
import { createTestClock, type TestClock } from '../clock'
import { seededRandom } from '../random'
import { type RecordingLogger, recordingLogger } from '../recording'
import { type InstalledMswCluster, type MswClusterHarness, useMswCluster } from './use-msw-cluster'

/** The simulated servers of binding tests: a balancer gets the first two unless a test says otherwise. */
export const BINDING_TEST_URLS = [
  'http://gpu-a.test:8188',
  'http://gpu-b.test:8188',
  'http://gpu-c.test:8188',
] as const

/** The id core derives from a server's URL when the config names none: host, port and path. */
export function serverIdOf(url: string): string {
  const parsed = new URL(url)
  return `${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`
}

/** What the harness reads of a balancer: whether background probing runs (core's `LoadBalancer` fits). */
export interface ProbingBalancer {
  getSnapshot(): { readonly running: boolean }
}

/** What the binding's `createBalancer` gets: shaped like core's `LoadBalancerOptions`. */
export interface BindingBalancerInput<Strategy> {
  readonly config: {
    readonly servers: string[]
    readonly probe: {
      readonly jitter: number
      readonly unhealthyAfter: number
      readonly healthyAfter: number
    }
  }
  readonly clock: TestClock
  readonly random: () => number
  /** Keeps no lines itself; they go to the suite-wide credential scan. */
  readonly logger: RecordingLogger
  readonly strategy?: Strategy
}

/** What one test asks of {@link BindingTestFile.harness}. */
export interface BindingHarnessOptions<Strategy> {
  /** The balancer's servers. Default: the first two {@link BINDING_TEST_URLS}. */
  readonly servers?: readonly string[] | undefined
  /** The simulated servers, when they differ from `servers` (say, `servers` carry credentials). */
  readonly clusterUrls?: readonly string[] | undefined
  /** Instead of the balancer's default strategy. */
  readonly strategy?: Strategy | undefined
}

/** One test's balancer on its own simulated cluster, both driven by one test clock. */
export interface BindingHarness<Balancer extends ProbingBalancer> {
  readonly clock: TestClock
  readonly cluster: InstalledMswCluster
  readonly balancer: Balancer
  /** Moves the clock, then returns once the framework has rendered what the balancer published meanwhile. */
  advance(ms: number): Promise<void>
  /** Lets pending requests, notifications and renders settle; no time passes. */
  settle(): Promise<void>
  /**
   * Advances the clock `stepMs` (250) at a time while `done()` is false, for at most `maxMs`
   * (10 s). Returns either way: the test's next assertion says what did not happen.
   */
  advanceUntil(
    done: () => boolean,
    options?: { readonly stepMs?: number; readonly maxMs?: number },
  ): Promise<void>
  /**
   * Asserts that background probing runs: the balancer is running, and the next 15 s bring one more
   * probe of every server and leave a timer for the round after. For healthy servers only (an
   * unhealthy one is re-probed sooner).
   */
  expectProbing(): Promise<void>
  /**
   * Runs `stop` (an unmount, say), then asserts that probing has ended: the balancer is not running,
   * no timer is left, and no server is probed in the next minute.
   */
  expectProbingStoppedBy(stop: () => unknown): Promise<void>
}

/** The framework's part of {@link createBindingHarness}. */
export interface BindingHarnessSetup<Balancer extends ProbingBalancer, Strategy> {
  /** Builds the balancer under test: core's `createLoadBalancer`, or a wrapper of it. */
  createBalancer(input: BindingBalancerInput<Strategy>): Balancer
  /**
   * Runs `work` (a move or a flush of the clock) so that the framework renders what the balancer
   * published meanwhile: inside React's `act`, or followed by Vue's `nextTick`.
   */
  renderAfter(work: () => Promise<void>): Promise<void>
  /**
   * Registers, with the `afterEach` it is handed, the unmounting of what each test rendered:
   * Vue Test Utils' `enableAutoUnmount`, or `(afterEach) => afterEach(cleanup)` for Testing Library.
   */
  autoUnmount(afterEach: (unmount: () => void) => void): void
}

/** What {@link createBindingHarness} returns: the wiring of a test file and one harness per test. */
export interface BindingTestFile<Balancer extends ProbingBalancer, Strategy> {
  /**
   * Call at the top of each test file: registers its msw server (testkit's `useMswCluster`) and the
   * unmounting after each test. Returns the msw harness, for tests that build their own cluster.
   */
  installMsw(): MswClusterHarness
  /**
   * A balancer probing the test's own simulated cluster every 15 s without jitter, on a fresh test
   * clock: no real sleeps, no real network.
   */
  harness(options?: BindingHarnessOptions<Strategy>): BindingHarness<Balancer>
}

/**
 * The test harness of a UI binding (React hooks, Vue composables): the msw wiring, the simulated
 * cluster and the test clock are the same for every framework; `setup` brings what is not.
 *
 * @example
 * ```ts
 * export const { installMsw, harness } = createBindingHarness({
 *   createBalancer: createLoadBalancer,
 *   renderAfter: (work) => act(work),
 *   autoUnmount: (afterEach) => afterEach(cleanup),
 * })
 * ```
 */
export function createBindingHarness<Balancer extends ProbingBalancer, Strategy = never>(
  setup: BindingHarnessSetup<Balancer, Strategy>,
): BindingTestFile<Balancer, Strategy> {
  let fileMsw: MswClusterHarness | undefined

  function installMsw(): MswClusterHarness {
    fileMsw = useMswCluster()
    // Registered after useMswCluster's hooks, so it runs before them (vitest runs after-hooks in
    // reverse): components unmount while their servers still answer.
    setup.autoUnmount(afterEach)
    return fileMsw
  }

  function harness(options: BindingHarnessOptions<Strategy> = {}): BindingHarness<Balancer> {
    if (fileMsw === undefined)
      throw new Error('harness(): call installMsw() at the top of the test file first.')
    const servers = options.servers ?? BINDING_TEST_URLS.slice(0, 2)
    const clock = createTestClock()
    const cluster = fileMsw.install(
      (options.clusterUrls ?? servers).map((url) => ({ url })),
      clock,
    )
    const balancer = setup.createBalancer({
      // Binding tests are about showing health changes, not about when they happen: one probe
      // decides (core's own tests cover the default thresholds of two probes each way).
      config: { servers: [...servers], probe: { jitter: 0, unhealthyAfter: 1, healthyAfter: 1 } },
      clock,
      random: seededRandom(1),
      logger: recordingLogger('balancer', { keep: false }),
      ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
    })
    const advance = (ms: number) => setup.renderAfter(() => clock.advance(ms))
    const settle = () => setup.renderAfter(() => clock.flush())
    const probes = () => [...cluster.models.values()].map((model) => model.requestCounts.system_stats)
    return {
      clock,
      cluster,
      balancer,
      advance,
      settle,
      async advanceUntil(done, { stepMs = 250, maxMs = 10_000 } = {}) {
        for (let elapsed = 0; elapsed < maxMs && !done(); elapsed += stepMs) await advance(stepMs)
      },
      async expectProbing() {
        expect(balancer.getSnapshot().running).toBe(true)
        const before = probes()
        await advance(15_000)
        expect(probes()).toEqual(before.map((count) => count + 1))
        expect(clock.pendingTimers()).toBeGreaterThan(0)
      },
      async expectProbingStoppedBy(stop) {
        await stop()
        await settle()
        expect(balancer.getSnapshot().running).toBe(false)
        expect(clock.pendingTimers()).toBe(0)
        const before = probes()
        await advance(60_000)
        expect(probes()).toEqual(before)
      },
    }
  }

  return { installMsw, harness }
}
