import { testSelection } from '../balancer/status-test.js'
import type { BindingBalancer } from './balancer.js'

/** The "Test" button's state: running, and the sentence the last test ended with. */
export interface StatusTestState {
  readonly running: boolean
  readonly message: string
}

/** Before the first test. */
export const IDLE_STATUS_TEST: StatusTestState = { running: false, message: '' }

/**
 * Runs the status panel's "Test" (a fresh probe and one selection, released at once) and reports its
 * state through `apply`: running at once, then the sentence it found. `alive` is asked before the
 * last report, so a panel that unmounted meanwhile is not updated. Never rejects.
 */
export async function runStatusTest(
  balancer: Pick<BindingBalancer, 'refresh' | 'acquire'>,
  apply: (state: StatusTestState) => void,
  alive: () => boolean,
): Promise<void> {
  apply({ running: true, message: 'Testing: probing every server…' })
  const message = await testSelection(balancer)
  if (alive()) apply({ running: false, message })
}
