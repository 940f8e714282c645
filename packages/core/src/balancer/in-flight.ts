/** A handle for one job handed to a server, released when the job is sent or done. */
export interface InFlightTicket {
  readonly serverId: string
  readonly epoch: number
  released: boolean
}

/**
 * Counts jobs handed to one server that no probe has seen yet. A ticket taken while probe k is the
 * latest started is seen by probe k+1, so when probe k+1 completes it stops counting. Memory is
 * bounded: at most two epochs are live at once.
 */
export class InFlightCounter {
  #started = 0
  #counts = new Map<number, number>()
  #total = 0

  constructor(readonly serverId: string) {}

  get count(): number {
    return this.#total
  }

  take(): InFlightTicket {
    this.#counts.set(this.#started, (this.#counts.get(this.#started) ?? 0) + 1)
    this.#total += 1
    return { serverId: this.serverId, epoch: this.#started, released: false }
  }

  /** Returns true when the count changed. */
  release(ticket: InFlightTicket): boolean {
    if (ticket.released) return false
    ticket.released = true
    const current = this.#counts.get(ticket.epoch)
    if (current === undefined) return false
    if (current <= 1) this.#counts.delete(ticket.epoch)
    else this.#counts.set(ticket.epoch, current - 1)
    this.#total -= 1
    return true
  }

  /** A probe starts now; returns its epoch for {@link probeSeen}. */
  probeStarted(): number {
    this.#started += 1
    return this.#started
  }

  /** The probe of `epoch` answered: tickets taken before it started are in its queue reading. */
  probeSeen(epoch: number): boolean {
    let changed = false
    for (const [key, value] of this.#counts) {
      if (key < epoch) {
        this.#counts.delete(key)
        this.#total -= value
        changed = true
      }
    }
    return changed
  }
}
