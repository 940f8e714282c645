import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { minQueue, sticky } from '../index.js'
import { rig, URLS, useMsw } from './harness.js'

useMsw()

type Command =
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'fail'; readonly server: number }
  | { readonly kind: 'heal'; readonly server: number }
  | { readonly kind: 'choose' }

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
  fc.record({ kind: fc.constant('fail' as const), server: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('heal' as const), server: fc.integer({ min: 0, max: 3 }) }),
  fc.constant({ kind: 'choose' as const }),
  fc.constant({ kind: 'choose' as const }),
)

describe('sticky never returns an unhealthy server', () => {
  it('over random schedules of failures, recoveries and clock jumps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        const r = rig(sticky(minQueue()))
        for (const step of commands) {
          if (step.kind === 'advance') await r.clock.advance(step.ms)
          else if (step.kind === 'fail') {
            // The server really goes down, and the app reports a failed job on it.
            r.cluster.model(URLS[step.server]!).setFault({ kind: 'refuse' })
            r.balancer.recordFailure(URLS[step.server]!, 'job failed')
          } else if (step.kind === 'heal') r.cluster.model(URLS[step.server]!).setFault(undefined)
          else {
            const lease = await r.balancer.acquire()
            const anyHealthy = r.balancer.getSnapshot().servers.some((s) => s.health === 'healthy')
            if (anyHealthy) expect(lease.server.health).toBe('healthy')
          }
        }
        r.balancer.dispose()
      }),
      { numRuns: 40 },
    )
  })
})
