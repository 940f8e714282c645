import { onTestFailed } from 'vitest'

/**
 * Polls `done` every 10 ms until it holds. Redis runs on real time (TTLs, reconnections), so there is
 * nothing to advance; there is no deadline here either — the test's own timeout is the only bound,
 * and a test that times out names what it was waiting for.
 */
export async function eventually(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  let waiting = true
  onTestFailed(() => {
    if (waiting) console.error(`the test ended while it waited for ${what}`)
  })
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 10))
  waiting = false
}
