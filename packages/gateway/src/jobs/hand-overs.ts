/**
 * Prompts being posted to a server right now. A gateway that stops waits for them (boundedly), so a
 * prompt is either on a server with its server written down, or still only in the gateway's state.
 */
export class HandOvers {
  readonly #open = new Set<string>()
  readonly #waiters = new Set<() => void>()

  start(promptId: string): void {
    this.#open.add(promptId)
  }

  end(promptId: string): void {
    if (!this.#open.delete(promptId) || this.#open.size > 0) return
    for (const wake of this.#waiters) wake()
    this.#waiters.clear()
  }

  get size(): number {
    return this.#open.size
  }

  /** Resolves when none is under way, or after `ms`. */
  idle(ms: number): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const waiters = this.#waiters
      function done() {
        clearTimeout(timer)
        waiters.delete(done)
        resolve()
      }
      waiters.add(done)
    })
  }
}
