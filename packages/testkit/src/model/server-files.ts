import { parseAnnotatedPath } from '@comfy-balancer/comfyui-rules'
import type { OutputFile } from './comfy-types'

/** What `POST /upload/image` answers: where the file now is. */
export interface UploadedFile {
  readonly name: string
  readonly subfolder: string
  readonly type: string
}

/**
 * The server's folders on disk: `output` (SaveImage numbers files per prefix, `ComfyUI_00001_.png`,
 * …), `input` (uploads; ComfyUI ships `example.png` there) and `temp`. They outlive crashes, as files
 * on disk do.
 */
export class ServerFiles {
  /** `type \0 subfolder \0 name` → a digest of the content (uploads), or '' (outputs). */
  readonly #files = new Map<string, string>([[key('example.png', '', 'input'), '']])
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
    this.#files.set(key(file.filename, file.subfolder, file.type), '')
    return file
  }

  has(filename: string, subfolder: string, type: string): boolean {
    return this.#files.has(key(filename, subfolder, type))
  }

  /**
   * server.py's `image_upload`: the same name with other content becomes `name (1).ext`, … unless
   * `overwrite`; the same content keeps its name (ComfyUI compares hashes, fix for #3465).
   */
  upload(file: {
    filename: string
    subfolder: string
    type: string
    bytes: Uint8Array
    overwrite: boolean
  }): UploadedFile {
    const digest = digestOf(file.bytes)
    const dot = file.filename.lastIndexOf('.')
    const [stem, ext] =
      dot > 0 ? [file.filename.slice(0, dot), file.filename.slice(dot)] : [file.filename, '']
    let name = file.filename
    for (let i = 1; !file.overwrite; i++) {
      const existing = this.#files.get(key(name, file.subfolder, file.type))
      if (existing === undefined || existing === digest) break
      name = `${stem} (${i})${ext}`
    }
    this.#files.set(key(name, file.subfolder, file.type), digest)
    return { name, subfolder: file.subfolder, type: file.type }
  }

  /** `folder_paths.exists_annotated_filepath`: `sub/name.png [output]`, `input` when not annotated. */
  existsAnnotated(value: string): boolean {
    const { filename, subfolder, type } = parseAnnotatedPath(value)
    return this.has(filename, subfolder, type)
  }

  /** nodes.py's `VALIDATE_INPUTS` of the classes that load from the input folder. */
  ownChecks(): Record<string, (inputs: Readonly<Record<string, unknown>>) => true | string> {
    const image = ({ image }: Readonly<Record<string, unknown>>) =>
      this.existsAnnotated(String(image)) || `Invalid image file: ${String(image)}`
    return { LoadImage: image, LoadImageMask: image }
  }
}

function key(filename: string, subfolder: string, type: string): string {
  return `${type}\u0000${subfolder}\u0000${filename}`
}

/** FNV-1a over the bytes and their length: enough to tell two uploads apart in a simulator. */
function digestOf(bytes: Uint8Array): string {
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return `${bytes.length}:${hash.toString(16)}`
}
