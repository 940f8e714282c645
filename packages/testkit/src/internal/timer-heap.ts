/** One scheduled callback of the test clock. */
export interface ScheduledTimer {
  readonly id: number
  readonly at: number
  readonly callback: () => void
}

/**
 * A binary min-heap of timers ordered by due time, then by id (creation order). A heap rather than a
 * sorted list because a benchmark cluster can hold thousands of timers at once.
 */
export class TimerHeap {
  readonly #items: ScheduledTimer[] = []

  get size(): number {
    return this.#items.length
  }

  push(timer: ScheduledTimer): void {
    const items = this.#items
    items.push(timer)
    let index = items.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!before(items[index]!, items[parent]!)) break
      swap(items, index, parent)
      index = parent
    }
  }

  peek(): ScheduledTimer | undefined {
    return this.#items[0]
  }

  pop(): ScheduledTimer | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    items[0] = last
    let index = 0
    for (;;) {
      const left = index * 2 + 1
      const right = left + 1
      let smallest = index
      if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left
      if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right
      if (smallest === index) return top
      swap(items, index, smallest)
      index = smallest
    }
  }

  clear(): void {
    this.#items.length = 0
  }
}

function before(a: ScheduledTimer, b: ScheduledTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id)
}

function swap(items: ScheduledTimer[], i: number, j: number): void {
  const tmp = items[i]!
  items[i] = items[j]!
  items[j] = tmp
}
