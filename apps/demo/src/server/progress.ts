/** A one-line progress bar: redrawn in place on a terminal, printed at 25 % steps otherwise. */
export class ProgressBar {
  #done = 0
  #lastQuarter = -1
  readonly #tty: boolean

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.#tty = Boolean((out as { isTTY?: boolean }).isTTY)
    this.#draw()
  }

  tick(): void {
    this.#done += 1
    this.#draw()
  }

  done(summary: string): void {
    this.out.write(`${this.#tty ? '\r' : ''}${this.#line()}  ${summary}\n`)
  }

  #line(): string {
    const width = 30
    const filled = Math.round((this.#done / this.total) * width)
    return `${this.label.padEnd(24)} [${'█'.repeat(filled)}${'·'.repeat(width - filled)}] ${this.#done}/${this.total}`
  }

  #draw(): void {
    if (this.#tty) {
      this.out.write(`\r${this.#line()}`)
      return
    }
    const quarter = Math.floor((this.#done / this.total) * 4)
    if (quarter !== this.#lastQuarter && quarter < 4) {
      this.#lastQuarter = quarter
      this.out.write(`${this.#line()}\n`)
    }
  }
}
