import { describe, expect, it } from 'vitest'
import { sameServerStats } from '../balancer/stats.js'
import { testSelection } from '../balancer/status-test.js'
import { FOUR, harness, useMsw } from './harness.js'

useMsw()

describe('helpers for status panels', () => {
  it('testSelection probes, selects, releases, and says what it found', async () => {
    const h = harness({ servers: FOUR.slice(0, 2) })
    h.model(FOUR[0]!).setFault({ kind: 'refuse' })
    expect(await testSelection(h.balancer)).toBe('Test: 1 of 2 servers healthy; selected gpu-b.test:8188.')
    expect(h.balancer.getSnapshot().servers.map((s) => s.inFlight)).toEqual([0, 0])
    h.balancer.dispose()
    expect(await testSelection(h.balancer)).toMatch(
      /^Test failed: Cannot refresh: this load balancer was disposed/,
    )
  })

  it('sameServerStats compares rows field by field', async () => {
    const h = harness({ servers: FOUR.slice(0, 2) })
    await h.balancer.refresh()
    const a = h.balancer.getServerStats()
    expect(sameServerStats(a, h.balancer.getServerStats())).toBe(true)
    h.balancer.recordFailure(FOUR[1]!, 'x')
    expect(sameServerStats(a, h.balancer.getServerStats())).toBe(false)
    // A down server's last queue reading is not shown as current.
    expect(h.balancer.getServerStats().map((s) => s.queue)).toEqual([0, undefined])
    expect(sameServerStats(a, a.slice(1))).toBe(false)
  })
})
