import { describe, expect, it } from 'vitest'
import { runSoak } from '../../soak/soak.js'

/**
 * The soak's short version, inside `npm test`: the same code path as `npm run soak` (core's
 * dispatcher on four simulated servers over real HTTP and WebSockets, random faults from a fixed
 * seed), a few hundred jobs.
 */
describe('soak (short): random faults on a fixed seed', () => {
  it('loses no job, runs none twice, and explains every typed error by the fault behind it', {
    timeout: 60_000,
  }, async () => {
    const report = await runSoak({
      jobs: 300,
      seed: 8,
      timeScale: 0.03,
      faultGapMs: 12_000,
      faultMs: [2_000, 12_000],
      settleDeadlineWallMs: 45_000,
      faultKinds: {
        crash: 1,
        restart: 1,
        refuse: 1,
        hang: 1,
        http500: 1,
        malformed: 1,
        wrongShape: 1,
        slow: 1,
        hangAfterAccept: 1,
        flapping: 1,
      },
    })
    expect(report.settled).toBe(300)
    expect(report.lost).toBe(0)
    // No job runs twice, whatever the faults: every duplicate counts (half the jobs use the default,
    // half strict at-most-once; none opts into reruns of unknown fate).
    expect(report.duplicated, report.duplicateDetails.join('\n')).toBe(0)
    expect(report.untyped).toBe(0)
    expect(report.unexplained).toBe(0)
    expect(report.secretHits).toBe(0)
    // The faults really happened, and the run really logged (debug level) and was scanned.
    expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(5)
    expect(report.scannedLines).toBeGreaterThan(300)
    expect(report.succeeded + Object.values(report.errors).reduce((a, b) => a + b, 0)).toBe(300)
  })
})
