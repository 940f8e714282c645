import type { OutputFile } from './comfy-types'

/**
 * The server's output folder. It outlives crashes, as files on disk do, and numbers files per
 * prefix like SaveImage (`ComfyUI_00001_.png`, …).
 */
export class OutputFiles {
  readonly #files = new Set<string>()
  readonly #counters = new Map<string, number>()

  /** Names, records and returns a new output image. */
  save(prefix: string): OutputFile {
    const counter = (this.#counters.get(prefix) ?? 0) + 1
    this.#counters.set(prefix, counter)
    const file: OutputFile = {
      filename: `${prefix}_${String(counter).padStart(5, '0')}_.png`,
      subfolder: '',
      type: 'output',
    }
    this.#files.add(key(file.filename, file.subfolder, file.type))
    return file
  }

  has(filename: string, subfolder: string, type: string): boolean {
    return this.#files.has(key(filename, subfolder, type))
  }
}

function key(filename: string, subfolder: string, type: string): string {
  return `${type}\u0000${subfolder}\u0000${filename}`
}
