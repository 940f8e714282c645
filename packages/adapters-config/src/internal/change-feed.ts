import type { Unsubscribe } from '@comfy-balancer/core'

/** Starts the machinery that notices changes (a poll loop, a file watcher); returns how to stop it. */
export type StartWatching = (observe: (hash: string) => void) => () => void

/**
 * One change detector per source, shared by all its subscribers. Loads `note` the hash of what they
 * read; the watcher `observe`s hashes and every listener hears about a hash that differs from the
 * last one known. Sharing matters: with a detector per subscriber, the first to see a change would
 * update the known hash and the others would miss it (a balancer and a `combine()` both subscribe).
 */
export class ChangeFeed {
  #known: string | undefined
  #listeners = new Set<() => void>()
  #stop: (() => void) | undefined

  constructor(private readonly start: StartWatching) {}

  /** Records what a load read, without notifying: the balancer already has it. */
  note(hash: string): void {
    this.#known = hash
  }

  /** Adds a listener; the first one starts the watcher and the last one to leave stops it. */
  subscribe(listener: () => void): Unsubscribe {
    const entry = () => listener()
    this.#listeners.add(entry)
    if (this.#listeners.size === 1) this.#stop = this.start((hash) => this.#observe(hash))
    return () => {
      if (!this.#listeners.delete(entry) || this.#listeners.size > 0) return
      const stop = this.#stop
      this.#stop = undefined
      stop?.()
    }
  }

  #observe(hash: string): void {
    const previous = this.#known
    this.#known = hash
    // With nothing known yet this is the baseline: the first load will read the same thing.
    if (previous === undefined || previous === hash) return
    for (const listener of [...this.#listeners]) listener()
  }
}
