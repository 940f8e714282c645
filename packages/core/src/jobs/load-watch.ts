import type { ComfyPrompt } from './types.js'

/**
 * Times a job's loader nodes from its pushed `executing` messages: a node runs from its own
 * `executing` to the next one (or the end). A loader served from ComfyUI's cache is listed in
 * `execution_cached` and never runs. The loads it saw are reported once each.
 */
export class LoadWatch {
  #serverId: string | undefined
  #current: { node: string; since: number } | undefined
  #cached = new Set<string>()
  #loadMs = 0

  constructor(
    private readonly prompt: ComfyPrompt,
    /** The model files a node of this prompt loads on that server (none for other nodes). */
    private readonly modelsOfNode: (serverId: string, nodeId: string) => readonly string[],
    /** A loader ran for `ms` (per model it loads), or was served from cache (`undefined`). */
    private readonly loaded: (serverId: string, model: string, ms: number | undefined) => void,
  ) {}

  /** Time spent in loaders on the job's last server (ms): not part of the work a GPU's speed sets. */
  get loadMs(): number {
    return this.#loadMs
  }

  message(type: string, data: Record<string, unknown>, serverId: string, now: number): void {
    if (serverId !== this.#serverId || type === 'execution_start') {
      // Placed again, or started over: only this run counts.
      this.#serverId = serverId
      this.#current = undefined
      this.#cached = new Set()
      this.#loadMs = 0
    }
    if (type === 'execution_cached' && Array.isArray(data.nodes)) {
      for (const node of data.nodes) {
        if (typeof node !== 'string' || this.#cached.has(node)) continue
        this.#cached.add(node)
        for (const model of this.modelsOfNode(serverId, node)) this.loaded(serverId, model, undefined)
      }
    } else if (type === 'executing' || type === 'execution_success') {
      this.#close(serverId, now)
      const node = type === 'executing' ? data.node : undefined
      if (typeof node === 'string' && node in this.prompt) this.#current = { node, since: now }
    } else if (type === 'execution_error' || type === 'execution_interrupted') {
      this.#current = undefined
    }
  }

  #close(serverId: string, now: number): void {
    const current = this.#current
    this.#current = undefined
    if (current === undefined || this.#cached.has(current.node)) return
    const models = this.modelsOfNode(serverId, current.node)
    if (models.length === 0) return
    const ms = now - current.since
    this.#loadMs += ms
    // Several files in one loader share its time.
    for (const model of models) this.loaded(serverId, model, ms / models.length)
  }
}
