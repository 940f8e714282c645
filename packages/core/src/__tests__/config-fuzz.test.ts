import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ComfyBalancerError,
  ConfigValidationError,
  createLoadBalancer,
  parseConfig,
  silentLogger,
} from '../index.js'

const valid = { servers: ['http://a.test:8188', { url: 'http://b.test:8188', weight: 2, tags: ['x'] }] }

/** Config-shaped inputs with random damage: wrong types, bad URLs, odd numbers, extra keys. */
const damagedConfig = fc.record(
  {
    servers: fc.oneof(
      fc.array(
        fc.oneof(
          fc.webUrl(),
          fc.string(),
          fc.constantFrom('ftp://x.test', 'http://', 'http://a.test:8188', 'javascript:alert(1)'),
          fc.record(
            {
              url: fc.oneof(fc.webUrl(), fc.string(), fc.integer()),
              weight: fc.oneof(fc.double(), fc.integer({ min: -5, max: 5 }), fc.string()),
              priority: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double()),
              headers: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
              tags: fc.oneof(fc.array(fc.string()), fc.string()),
              maxQueue: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.double()),
              id: fc.oneof(fc.string(), fc.constant('')),
              extra: fc.anything(),
            },
            { requiredKeys: [] },
          ),
          fc.anything(),
        ),
        { maxLength: 6 },
      ),
      fc.anything(),
    ),
    autoSwitch: fc.oneof(fc.boolean(), fc.string(), fc.integer()),
    fallback: fc.oneof(fc.constantFrom('primary', 'error'), fc.string()),
    probe: fc.oneof(
      fc.record(
        {
          cacheMs: fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.double(), fc.string()),
          queueMode: fc.oneof(fc.constantFrom('prompt', 'queue', 'ws'), fc.string()),
          jitter: fc.double(),
        },
        { requiredKeys: [] },
      ),
      fc.anything(),
    ),
    unknownKey: fc.anything(),
  },
  { requiredKeys: [] },
)

describe('config fuzzing', () => {
  it('parseConfig accepts or throws ConfigValidationError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(damagedConfig, fc.anything(), fc.jsonValue()), (input) => {
        try {
          const config = parseConfig(input)
          expect(config.servers.length).toBeGreaterThan(0)
          for (const server of config.servers)
            expect(['http:', 'https:']).toContain(new URL(server.url).protocol)
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigValidationError)
          expect((error as ConfigValidationError).issues.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('updateConfig never replaces the last good config with a bad one', () => {
    const balancer = createLoadBalancer({ config: valid, logger: silentLogger })
    const good = balancer.getSnapshot().servers.map((s) => s.id)
    fc.assert(
      fc.property(damagedConfig, (input) => {
        const before = balancer.getSnapshot().servers.map((s) => s.id)
        try {
          balancer.updateConfig(input as never)
        } catch (error) {
          expect(ComfyBalancerError.isInstance(error)).toBe(true)
          expect(balancer.getSnapshot().servers.map((s) => s.id)).toEqual(before)
        }
        // Put the known-good config back so every run starts from it.
        balancer.updateConfig(valid)
        expect(balancer.getSnapshot().servers.map((s) => s.id)).toEqual(good)
      }),
      { numRuns: 500 },
    )
    balancer.dispose()
  })
})
