import type { QueueItem } from './comfy-types'
import type { QueuedJob } from './submission'

/**
 * The pending part of `PromptQueue`. ComfyUI keeps a heapq ordered by (number, prompt_id); a sorted
 * array is also a valid heap, so `/queue` may list it as is and the run order is the same.
 */
export class PendingQueue {
  readonly #items: QueuedJob[] = []

  get size(): number {
    return this.#items.length
  }

  /** Items in heap (here: run) order; read-only view. */
  get items(): readonly QueuedJob[] {
    return this.#items
  }

  push(job: QueuedJob): void {
    const items = this.#items
    let low = 0
    let high = items.length
    // Equal keys go after existing ones; ComfyUI would raise comparing the graphs there (see doc §3).
    while (low < high) {
      const mid = (low + high) >> 1
      if (compare(items[mid]!, job) <= 0) low = mid + 1
      else high = mid
    }
    items.splice(low, 0, job)
  }

  shift(): QueuedJob | undefined {
    return this.#items.shift()
  }

  /** Removes the first item with this id; true if one was removed. */
  removeFirst(promptId: string): boolean {
    const index = this.#items.findIndex((job) => job.promptId === promptId)
    if (index < 0) return false
    this.#items.splice(index, 1)
    return true
  }

  clear(): void {
    this.#items.length = 0
  }
}

function compare(a: QueuedJob, b: QueuedJob): number {
  if (a.number !== b.number) return a.number - b.number
  if (a.promptId === b.promptId) return 0
  return a.promptId < b.promptId ? -1 : 1
}

/** The 5-tuple `/queue` and history show for a job. */
export function toQueueItem(job: QueuedJob): QueueItem {
  return [job.number, job.promptId, job.prompt, job.extraData, job.outputs]
}
