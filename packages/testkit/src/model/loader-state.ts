import type { Catalog } from './catalog'
import type { PromptNode } from './comfy-types'
import { ModelMemory, type ModelMemoryOptions } from './model-memory'
import type { QueuedJob } from './submission'

/**
 * What a simulated server keeps between prompts for its loader nodes (nodes with an input that
 * names a model file): ComfyUI's output cache — a loader whose id, class and inputs match the
 * previous prompt's is served from cache and listed in `execution_cached` — and the models VRAM holds.
 */
export class LoaderState {
  readonly #catalog: Pick<Catalog, 'folderInputs'>
  readonly #memory: ModelMemory
  // The classic cache keeps the previous prompt's node outputs only: node id → signature.
  #previous = new Map<string, string>()
  #loads: string[] = []

  constructor(catalog: Pick<Catalog, 'folderInputs'>, memory: ModelMemoryOptions = {}) {
    this.#catalog = catalog
    this.#memory = new ModelMemory(memory)
  }

  /** The models VRAM holds now, most recently used last. */
  get heldModels(): readonly string[] {
    return this.#memory.held
  }

  /** Which loaders of this prompt the cache serves; the cache then holds this prompt's loaders. */
  cachedNodes(job: QueuedJob, order: readonly string[]): ReadonlySet<string> {
    const cached = new Set<string>()
    const current = new Map<string, string>()
    for (const nodeId of order) {
      const node = job.prompt[nodeId]
      if (node === undefined || this.#modelFiles(node).length === 0) continue
      const signature = JSON.stringify([node.class_type, node.inputs ?? {}])
      current.set(nodeId, signature)
      if (this.#previous.get(nodeId) === signature) {
        cached.add(nodeId)
        // A cached loader's model is still the one in use.
        for (const file of this.#modelFiles(node)) this.#memory.use(file)
      }
    }
    this.#previous = current
    this.#loads = []
    return cached
  }

  /** Loads the node's model files into VRAM; returns the ms that takes. */
  loadModels(job: QueuedJob, nodeId: string): number {
    const node = job.prompt[nodeId]
    if (node === undefined) return 0
    let ms = 0
    for (const file of this.#modelFiles(node)) {
      if (!this.#memory.holds(file)) this.#loads.push(file)
      ms += this.#memory.use(file)
    }
    return ms
  }

  /** The files the current prompt loaded from disk so far. */
  get loads(): readonly string[] {
    return [...this.#loads]
  }

  /** A restart empties VRAM and the cache. */
  clear(): void {
    this.#memory.clear()
    this.#previous = new Map()
    this.#loads = []
  }

  #modelFiles(node: PromptNode): string[] {
    const files: string[] = []
    for (const input of this.#catalog.folderInputs(node.class_type).keys()) {
      const value = node.inputs?.[input]
      if (typeof value === 'string') files.push(value)
    }
    return files
  }
}
