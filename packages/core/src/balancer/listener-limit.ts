import type { Logger } from '../contracts/logger.js'
import { InvalidArgumentError } from '../errors/server-errors.js'

/** Listeners one list may hold before a warning, and before adding more is refused. */
export const LISTENER_WARNING = 1_000
export const LISTENER_LIMIT = 10_000

/**
 * Keeps a listener list bounded: a list that only grows is a leak (a component that subscribes on
 * every render and never unsubscribes). Warns once past {@link LISTENER_WARNING}, refuses past
 * {@link LISTENER_LIMIT}.
 */
export function checkListenerCount(
  size: number,
  what: string,
  logger: Logger,
  warned: { value: boolean },
): void {
  if (size >= LISTENER_LIMIT) {
    throw new InvalidArgumentError(
      `Too many ${what} listeners (${size}): is something subscribing without unsubscribing? Call the function subscribe()/on() returned when done.`,
    )
  }
  if (size >= LISTENER_WARNING && !warned.value) {
    warned.value = true
    logger.warn(`${size} ${what} listeners: is something subscribing without unsubscribing?`)
  }
}
