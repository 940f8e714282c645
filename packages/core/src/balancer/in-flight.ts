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
  /** Jobs other app instances have in flight there, as a shared state store last said. */
  others = 0

  constructor(
    readonly serverId: string,
    /** Called when this instance's own count changes (to share it). */
    private readonly onChange?: (counter: InFlightCounter) => void,
  ) {}

  /** This instance's own jobs in flight. */
  get count(): number {
    return this.#total
  }

  /** Own and other instances' jobs in flight: what choices count. */
  get total(): number {
    return this.#total + this.others
  }

  take(): InFlightTicket {
    this.#counts.set(this.#started, (this.#counts.get(this.#started) ?? 0) + 1)
    this.#total += 1
    this.onChange?.(this)
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
    this.onChange?.(this)
    return true
  }

  /** A probe starts now; returns its epoch for {@link probeSeen}. */
  probeStarted(): number {
    this.#started += 1
    return this.#started
  }

  /**
   * The probe of `epoch` answered: tickets taken before it started are in its queue reading. So are
   * the jobs other instances sent before it: their shared count is dropped until the store next
   * says otherwise (their own readings release them there at about the same time).
   */
  probeSeen(epoch: number): boolean {
    let changed = this.others !== 0
    this.others = 0
    for (const [key, value] of this.#counts) {
      if (key < epoch) {
        this.#counts.delete(key)
        this.#total -= value
        changed = true
      }
    }
    if (changed) this.onChange?.(this)
    return changed
  }
}
