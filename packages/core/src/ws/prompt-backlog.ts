/** One pushed message about a prompt, with when it arrived (balancer clock, ms) and over which connection. */
export interface BackloggedMessage {
  readonly type: string
  readonly data: Record<string, unknown>
  readonly serverId: string
  readonly at: number
  /** The epoch of the socket it came over. */
  readonly epoch: number | undefined
}

/** Prompts whose messages are kept while nobody listens (oldest dropped first). */
const MAX_PROMPTS = 256
/** Messages kept per prompt: its first ones matter most (its start, its loaders' timings). */
const MAX_MESSAGES = 64

/**
 * Messages about prompts nobody follows yet. ComfyUI pushes a job's first messages right after
 * `POST /prompt` answers, often before the caller has started following it: kept here, they reach
 * the follower when it subscribes, with the time they really arrived.
 */
export class PromptBacklog {
  readonly #byPrompt = new Map<string, BackloggedMessage[]>()

  add(promptId: string, message: BackloggedMessage): void {
    let messages = this.#byPrompt.get(promptId)
    if (messages === undefined) {
      if (this.#byPrompt.size >= MAX_PROMPTS) this.#byPrompt.delete(this.#byPrompt.keys().next().value!)
      messages = []
      this.#byPrompt.set(promptId, messages)
    }
    if (messages.length < MAX_MESSAGES) messages.push(message)
  }

  /** The prompt's kept messages, in arrival order; they are forgotten here. */
  take(promptId: string): readonly BackloggedMessage[] {
    const messages = this.#byPrompt.get(promptId) ?? []
    this.#byPrompt.delete(promptId)
    return messages
  }

  clear(): void {
    this.#byPrompt.clear()
  }
}
