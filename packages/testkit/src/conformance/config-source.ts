import { afterEach, describe, expect, it } from 'vitest'

/** A config the suite stores through your harness: the primary first, then backups in order. */
export interface ConformanceConfig {
  readonly servers: readonly string[]
}

/**
 * What the suite needs of a source: the shape of core's `ConfigSource`, typed structurally so
 * testkit does not depend on core (core's own tests depend on testkit).
 */
export interface ConfigSourceUnderTest {
  readonly name: string
  load(signal?: AbortSignal): Promise<unknown>
  subscribe?(onChange: (next?: unknown) => void): () => void
}

/** How the suite drives one kind of source. Only `create` and `parse` are required. */
export interface ConfigSourceHarness<S extends ConfigSourceUnderTest = ConfigSourceUnderTest> {
  /** Makes a store holding `initial` (a table, a file, env vars) and a source reading it. */
  create(initial: ConformanceConfig): S | Promise<S>
  /** Core's `parseConfig`: validates what `load()` returned. Passed in so testkit needs no core. */
  parse(input: unknown, sourceName: string): { readonly servers: ReadonlyArray<{ readonly url: string }> }
  /** Writes `next` into the store behind `source` (an `UPDATE`, a file write). Omit when the store cannot change. */
  change?(source: S, next: ConformanceConfig): void | Promise<void>
  /**
   * Whether the source offers `subscribe` (default true). Sources that cannot watch their store
   * (environment variables, a plain object) declare `false`, and the suite checks they offer none.
   */
  subscribes?: boolean
  /** Breaks the store so the next load fails (drop the table, delete the file, answer 500). */
  breakIt?(source: S): void | Promise<void>
  /**
   * Lets time pass for the source's own timers, e.g. `() => clock.advance(pollMs)`. Called again and
   * again while the suite waits for a change notification. Default: nothing (real events only).
   */
  advance?(source: S): Promise<void>
  /** Releases what `create` made (close the database, remove temp files). */
  dispose?(source: S): void | Promise<void>
  /** Real-time bound for every wait, in ms. Default 5 000. */
  readonly timeoutMs?: number
}

/** The config every source starts with. */
export const CONFORMANCE_INITIAL: ConformanceConfig = {
  servers: ['http://conformance-a.test:8188', 'http://conformance-b.test:8188'],
}

/** The config the suite changes to: a different primary, a removed and two added backups. */
export const CONFORMANCE_NEXT: ConformanceConfig = {
  servers: [
    'http://conformance-b.test:8188',
    'http://conformance-c.test:8188',
    'http://conformance-d.test:8188',
  ],
}

// Captured at load time, so fake timers a test installs cannot stall the suite's real-time waits.
const realSetTimeout = globalThis.setTimeout.bind(globalThis)
const realClearTimeout = globalThis.clearTimeout.bind(globalThis)
const turn = () => new Promise<void>((resolve) => realSetTimeout(resolve, 5))

function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = realSetTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
    work.then(
      (value) => {
        realClearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        realClearTimeout(timer)
        reject(error)
      },
    )
  })
}

/**
 * Runs the `ConfigSource` conformance suite: `load()` returns config core accepts, does not hang on
 * an aborted signal, sees changes; `subscribe` (if offered) reports a change and stops after
 * unsubscribe; a broken store rejects with a typed error (`code` `CONFIG_LOAD_FAILED` or
 * `CONFIG_INVALID`) that names the source. Call it at the top level of a vitest file.
 *
 * @example
 * ```ts
 * import { parseConfig } from '@comfy-balancer/core'
 * import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
 *
 * describeConfigSource('my redis source', {
 *   parse: parseConfig,
 *   create: async (initial) => myRedisSource(await seedRedis(initial)),
 *   change: (source, next) => writeRedis(next),
 *   breakIt: () => redis.del('comfy:config'),
 * })
 * ```
 */
export function describeConfigSource<S extends ConfigSourceUnderTest>(
  title: string,
  harness: ConfigSourceHarness<S>,
): void {
  const timeoutMs = harness.timeoutMs ?? 5_000
  const live: S[] = []
  const create = async (initial: ConformanceConfig = CONFORMANCE_INITIAL): Promise<S> => {
    const source = await harness.create(initial)
    live.push(source)
    return source
  }
  const urls = (source: S, input: unknown) => harness.parse(input, source.name).servers.map((s) => s.url)
  const expectServers = (actual: readonly string[], expected: ConformanceConfig) =>
    expect(actual.map((url) => url.replace(/\/+$/, ''))).toEqual(expected.servers)

  /** Waits until `done()`, letting the source's timers run; bounded in real time. */
  const until = async (source: S, done: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${title}: ${what} within ${timeoutMs} ms`)
      await harness.advance?.(source)
      await turn()
    }
  }

  describe(`ConfigSource conformance: ${title}`, () => {
    afterEach(async () => {
      for (const source of live.splice(0)) await harness.dispose?.(source)
    })

    it('has a name to show in errors and logs', async () => {
      const source = await create()
      expect(typeof source.name).toBe('string')
      expect(source.name.length).toBeGreaterThan(0)
    })

    it('loads config that core accepts, holding the stored servers in order', async () => {
      const source = await create()
      expectServers(urls(source, await within(source.load(), timeoutMs, 'load()')), CONFORMANCE_INITIAL)
    })

    it('loads the same config again when nothing changed', async () => {
      const source = await create()
      const first = urls(source, await source.load())
      expect(urls(source, await source.load())).toEqual(first)
    })

    it('does not hang on an aborted signal', async () => {
      const source = await create()
      const controller = new AbortController()
      controller.abort()
      const outcome = await within(
        source.load(controller.signal).then(
          () => 'resolved',
          () => 'rejected',
        ),
        timeoutMs,
        'load(abortedSignal)',
      )
      expect(['resolved', 'rejected']).toContain(outcome)
    })

    if (harness.change) {
      const change = harness.change
      it('loads the new config after the store changed', async () => {
        const source = await create()
        await source.load()
        await change(source, CONFORMANCE_NEXT)
        expectServers(urls(source, await source.load()), CONFORMANCE_NEXT)
      })
    }

    if (harness.subscribes === false) {
      it('offers no subscribe, as declared', async () => {
        const source = await create()
        expect(source.subscribe).toBeUndefined()
      })
    } else if (harness.change) {
      const change = harness.change
      it('reports a change through subscribe, and nothing after unsubscribe', async () => {
        const source = await create()
        expect(typeof source.subscribe).toBe('function')
        if (!source.subscribe) return
        await source.load()
        let calls = 0
        let given: unknown
        const unsubscribe = source.subscribe((next?: unknown) => {
          calls++
          given = next
        })
        await change(source, CONFORMANCE_NEXT)
        await until(source, () => calls > 0, 'expected subscribe to report the change')
        // Either the new config was handed over, or load() now returns it.
        expectServers(urls(source, given ?? (await source.load())), CONFORMANCE_NEXT)
        unsubscribe()
        unsubscribe() // idempotent
        const seen = calls
        await change(source, CONFORMANCE_INITIAL)
        for (let round = 0; round < 5; round++) {
          await harness.advance?.(source)
          await turn()
        }
        expect(calls).toBe(seen)
      })
    }

    if (harness.breakIt) {
      const breakIt = harness.breakIt
      it('rejects with a typed error naming the source when the store is broken', async () => {
        const source = await create()
        await source.load()
        await breakIt(source)
        const error = await within(
          source.load().then(
            () => undefined,
            (reason: unknown) => reason,
          ),
          timeoutMs,
          'load() of a broken store',
        )
        expect(error, 'load() of a broken store should reject').toBeInstanceOf(Error)
        const {
          code,
          source: named,
          message,
        } = error as { code?: unknown; source?: unknown; message: string }
        expect(['CONFIG_LOAD_FAILED', 'CONFIG_INVALID']).toContain(code)
        // A composite source may blame the part that failed: its name is part of the whole's.
        const culprit = typeof named === 'string' ? named : source.name
        expect(source.name).toContain(culprit)
        expect(message).toContain(culprit)
      })
    }
  })
}
