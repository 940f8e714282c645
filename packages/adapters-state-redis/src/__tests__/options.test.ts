import { describe, expect, it } from 'vitest'
import { clientOptions } from '../options.js'

describe('clientOptions', () => {
  it('reconnects after 100 ms, doubling up to maxReconnectDelayMs', () => {
    const retry = (options: Parameters<typeof clientOptions>[0]) => {
      const strategy = clientOptions(options).retryStrategy as (attempt: number) => number
      return [1, 2, 3, 4, 5, 6, 20].map(strategy)
    }
    expect(retry({})).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000])
    expect(retry({ maxReconnectDelayMs: 500 })).toEqual([100, 200, 400, 500, 500, 500, 500])
    // The cap is the longest wait, as documented, however large it is.
    expect(retry({ maxReconnectDelayMs: 120_000 }).at(-1)).toBe(120_000)
  })

  it('fails fast while Redis is down: no offline queue, no resent commands', () => {
    const options = clientOptions({ commandTimeoutMs: 250 })
    expect(options).toMatchObject({
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 250,
    })
  })
})
