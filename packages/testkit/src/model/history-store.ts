import type { HistoryEntry, HistoryResponse } from './comfy-types'
import type { HistoryQuery } from './types'

/** execution.py's `MAXIMUM_HISTORY_SIZE`. */
export const MAXIMUM_HISTORY_SIZE = 10_000

/**
 * The in-memory history of `PromptQueue`. A Map keeps insertion order and, like a Python dict,
 * keeps an overwritten key (a duplicate prompt_id) in its first position.
 */
export class HistoryStore {
  readonly #entries = new Map<string, HistoryEntry>()

  /** `task_done`: drops the oldest entry when already above the cap, so at most 10001 are held. */
  add(promptId: string, entry: HistoryEntry): void {
    if (this.#entries.size > MAXIMUM_HISTORY_SIZE) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    this.#entries.set(promptId, entry)
  }

  get(promptId: string): HistoryEntry | undefined {
    return this.#entries.get(promptId)
  }

  /** `get_history(prompt_id)`: `{id: copy}` or `{}`. */
  one(promptId: string): HistoryResponse {
    const entry = this.#entries.get(promptId)
    return entry === undefined ? {} : { [promptId]: structuredClone(entry) }
  }

  /** `get_history(max_items, offset)` with server.py's arithmetic, oldest first. */
  page(query: HistoryQuery = {}): HistoryResponse {
    const { maxItems } = query
    let offset = query.offset ?? -1
    if (offset < 0 && maxItems !== undefined) offset = this.#entries.size - maxItems
    const out: HistoryResponse = {}
    let index = 0
    let count = 0
    for (const [promptId, entry] of this.#entries) {
      if (index >= offset) {
        out[promptId] = structuredClone(entry)
        count++
        if (maxItems !== undefined && count >= maxItems) break
      }
      index++
    }
    return out
  }

  /** `delete_history_item`: unknown ids are ignored. */
  delete(promptId: string): void {
    this.#entries.delete(promptId)
  }

  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}
