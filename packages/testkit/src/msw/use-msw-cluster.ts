import { type SetupServer, setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { createTestClock, type TestClock } from '../clock'
import type { ModelClock } from '../model/types'
import { type ClusterServerSpec, createMswCluster, type MswCluster } from './cluster'

/** A cluster installed by {@link MswClusterHarness.install}, with the clock its models run on. */
export interface InstalledMswCluster<C extends ModelClock = TestClock> extends MswCluster {
  /** The clock the models run on: advance it to make the simulated servers work. */
  readonly clock: C
}

/** What {@link useMswCluster} returns: the msw server of the test file and its simulated cluster. */
export interface MswClusterHarness {
  /** The file's msw server, for `server.use(...)` overrides inside a test. */
  readonly server: SetupServer
  /**
   * Creates one simulated server per spec on `clock` (a fresh test clock when omitted) and makes it
   * what msw answers for the rest of the current test. A second call replaces the first cluster
   * (and any `server.use(...)` override made before it).
   */
  install<C extends ModelClock = TestClock>(
    specs: readonly ClusterServerSpec[],
    clock?: C,
  ): InstalledMswCluster<C>
  /**
   * The cluster installed in the current test; throws when none is. Typed for the default test
   * clock: when you install with a clock of your own, keep what `install` returned instead.
   */
  readonly cluster: InstalledMswCluster
  /** The current cluster's clock (a shortcut for `cluster.clock`). */
  readonly clock: TestClock
}

/** Options for {@link useMswCluster}. */
export interface UseMswClusterOptions {
  /**
   * What msw does with a request no handler answers: `'error'` (the default) fails the request and
   * reports it, which catches typos in URLs; `'bypass'` lets it through, for tests that also talk to
   * real loopback servers.
   */
  onUnhandledRequest?: 'error' | 'warn' | 'bypass'
}

/**
 * Registers one msw server for the calling vitest file: it listens before the file's first test,
 * drops every handler after each test and closes after the last. With `specs`, every test starts
 * on a fresh cluster of those servers on a fresh test clock (`harness.cluster`, `harness.clock`);
 * without, each test installs its own with `harness.install(specs, clock?)`.
 *
 * Call it at the top level of a test file (or of a helper the file calls there): it registers
 * vitest hooks, so it needs vitest and msw's Node entry.
 *
 * @example
 * ```ts
 * const msw = useMswCluster([{ url: 'http://gpu-a.test:8188' }])
 *
 * it('answers', async () => {
 *   const response = await fetch('http://gpu-a.test:8188/prompt')
 *   expect(msw.cluster.model('http://gpu-a.test:8188').requestCounts.prompt).toBe(1)
 * })
 * ```
 */
export function useMswCluster(
  specs?: readonly ClusterServerSpec[],
  options: UseMswClusterOptions = {},
): MswClusterHarness {
  const server = setupServer()
  let current: InstalledMswCluster<ModelClock> | undefined

  beforeAll(() => server.listen({ onUnhandledRequest: options.onUnhandledRequest ?? 'error' }))
  if (specs !== undefined) beforeEach(() => void install(specs))
  afterEach(() => {
    // resetHandlers() with no arguments keeps the initial handlers, and there are none: install()
    // adds its handlers with use(), so nothing of one test's cluster answers in the next.
    server.resetHandlers()
    current = undefined
  })
  afterAll(() => server.close())

  function install<C extends ModelClock = TestClock>(
    clusterSpecs: readonly ClusterServerSpec[],
    clock?: C,
  ): InstalledMswCluster<C> {
    const clusterClock = clock ?? (createTestClock() as ModelClock as C)
    const installed = { ...createMswCluster(clusterSpecs, clusterClock), clock: clusterClock }
    server.resetHandlers()
    server.use(...installed.handlers)
    current = installed
    return installed
  }

  function installed(): InstalledMswCluster {
    if (current === undefined) {
      throw new Error(
        'useMswCluster: no cluster is installed in this test; pass specs to useMswCluster() or call install(specs) first.',
      )
    }
    return current as InstalledMswCluster
  }

  return {
    server,
    install,
    get cluster() {
      return installed()
    },
    get clock() {
      return installed().clock
    },
  }
}
