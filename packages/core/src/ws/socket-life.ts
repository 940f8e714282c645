/** What became of a server's socket after it closed. */
type Fate = 'closed' | 'died' | 'reopened'

/** Epochs whose fate is remembered per server: enough for every job followed across a few drops. */
const REMEMBERED = 8

/**
 * The life of one server's WebSocket, counted in epochs (one per successful open). It answers the
 * question a restart raises for a prompt confirmed unfinished while epoch `e` was open: has every
 * message the server sent about it reached us since? Yes while `e` is still open, and yes when `e`
 * closed and the next connection attempt failed — the process died with that socket, so nothing ran
 * after its close. A socket that dropped and reconnected at once leaves a gap: unknown.
 */
export class SocketLife {
  #epoch = 0
  #open = false
  readonly #fates = new Map<number, Fate>()

  /** The epoch of the socket open now, if one is. */
  get openEpoch(): number | undefined {
    return this.#open ? this.#epoch : undefined
  }

  opened(): void {
    const last = this.#fates.get(this.#epoch)
    if (last === 'closed') this.#fates.set(this.#epoch, 'reopened')
    this.#epoch += 1
    this.#open = true
  }

  /** A socket closed (`wasOpen`) or a connection attempt failed (not `wasOpen`). */
  closed(wasOpen: boolean): void {
    if (wasOpen) {
      this.#open = false
      this.#fates.set(this.#epoch, 'closed')
      if (this.#fates.size > REMEMBERED) this.#fates.delete(this.#fates.keys().next().value!)
    } else if (this.#fates.get(this.#epoch) === 'closed') {
      this.#fates.set(this.#epoch, 'died')
    }
  }

  /** Whether every message of epoch `epoch` has arrived and nothing ran since it ended. */
  watchedThrough(epoch: number): 'open' | 'died' | 'unknown' {
    if (this.#open && epoch === this.#epoch) return 'open'
    return this.#fates.get(epoch) === 'died' ? 'died' : 'unknown'
  }
}
