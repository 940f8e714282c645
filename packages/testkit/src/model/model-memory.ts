/** How a simulated server loads model files: sizes, disk speed and how many models VRAM holds. */
export interface ModelMemoryOptions {
  /** Size in bytes of model files by file name (`'sd_xl_base_1.0.safetensors'`); a file not listed loads at once. */
  readonly sizes?: Readonly<Record<string, number>>
  /** Disk read speed in bytes per second; default 1.3 GB/s (an NVMe SSD reading safetensors). */
  readonly bytesPerSecond?: number
  /** How many models stay loaded at once, least recently used evicted first; default 1. */
  readonly vramSlots?: number
}

const DEFAULT_BYTES_PER_SECOND = 1.3e9

/**
 * The models a simulated GPU holds, least recently used first. A model that is not held costs its
 * size over the disk speed to load, paid inside the loader node of the prompt that needs it.
 */
export class ModelMemory {
  readonly #sizes: ReadonlyMap<string, number>
  readonly #bytesPerSecond: number
  readonly #slots: number
  #held: string[] = []

  constructor(options: ModelMemoryOptions = {}) {
    this.#bytesPerSecond = positive(options.bytesPerSecond ?? DEFAULT_BYTES_PER_SECOND, 'bytesPerSecond')
    this.#slots = Math.floor(positive(options.vramSlots ?? 1, 'vramSlots'))
    const sizes = new Map<string, number>()
    for (const [file, bytes] of Object.entries(options.sizes ?? {})) {
      if (!(bytes >= 0 && Number.isFinite(bytes)))
        throw new RangeError(`model size of ${file} must be a non-negative number of bytes, got ${bytes}`)
      sizes.set(file, bytes)
    }
    this.#sizes = sizes
  }

  /** The models held now, most recently used last. */
  get held(): readonly string[] {
    return [...this.#held]
  }

  /** Whether `file` is loaded now. */
  holds(file: string): boolean {
    return this.#held.includes(file)
  }

  /** Makes `file` the most recently used model and returns what loading it cost in ms (0 when held). */
  use(file: string): number {
    const at = this.#held.indexOf(file)
    if (at >= 0) {
      this.#held.splice(at, 1)
      this.#held.push(file)
      return 0
    }
    this.#held.push(file)
    if (this.#held.length > this.#slots) this.#held.shift()
    return ((this.#sizes.get(file) ?? 0) / this.#bytesPerSecond) * 1_000
  }

  /** A restart empties VRAM. */
  clear(): void {
    this.#held = []
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0 && Number.isFinite(value)))
    throw new RangeError(`${name} must be a positive number, got ${value}`)
  return value
}
