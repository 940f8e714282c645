import type { ModelEvent } from './types'

/** A listener set whose emit never lets one listener's exception corrupt the model's state. */
export class EventHub {
  readonly #listeners = new Set<(event: ModelEvent) => void>()

  subscribe(listener: (event: ModelEvent) => void): () => void {
    // Wrap so that subscribing the same function twice gives two independent subscriptions.
    const entry = (event: ModelEvent): void => listener(event)
    this.#listeners.add(entry)
    return () => {
      this.#listeners.delete(entry)
    }
  }

  /** Sends to every listener. `clientId` undefined means broadcast. */
  emit(type: string, data: unknown, clientId?: string): void {
    if (this.#listeners.size === 0) return
    // A copy, so a listener that edits its event cannot reach the history entry that shares the data.
    const copy = structuredClone(data)
    const event: ModelEvent = clientId === undefined ? { type, data: copy } : { type, data: copy, clientId }
    for (const listener of [...this.#listeners]) {
      try {
        listener(event)
      } catch (error) {
        // Rethrown on its own turn: the test runner reports it, and the job in flight still ends.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}
