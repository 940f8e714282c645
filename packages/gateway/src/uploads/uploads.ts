import { type FileRef, parseAnnotatedPath } from '@comfy-balancer/comfyui-rules'
import { type GatewayStore, type StoredUpload, uploadKey } from '../state/gateway-store.js'

/** What ComfyUI answers an upload with: where the file now is. */
export interface UploadedName {
  readonly name: string
  readonly subfolder: string
  readonly type: string
}

/**
 * Files clients uploaded through the gateway (`/upload/image`, `/upload/mask`), per caller: kept
 * here (and in the store, when there is one) and put on a server only when a prompt that names
 * them is about to be posted there. Names follow ComfyUI's `image_upload`: the same name with other
 * content becomes `name (1).ext` unless `overwrite`; the same content keeps the name.
 */
export class Uploads {
  readonly #files = new Map<string, StoredUpload>()

  constructor(private readonly store?: GatewayStore) {}

  async save(upload: StoredUpload, overwrite: boolean): Promise<UploadedName> {
    const { owner, type, subfolder } = upload
    let filename = upload.filename
    if (!overwrite) {
      const dot = filename.lastIndexOf('.')
      const [stem, ext] = dot > 0 ? [filename.slice(0, dot), filename.slice(dot)] : [filename, '']
      for (let i = 1; ; i++) {
        const existing = await this.get(owner, type, subfolder, filename)
        if (existing === undefined || sameBytes(existing.bytes, upload.bytes)) break
        filename = `${stem} (${i})${ext}`
      }
    }
    const kept = { ...upload, filename }
    this.#files.set(uploadKey(owner, type, subfolder, filename), kept)
    await this.store?.saveUpload(kept)
    return { name: filename, subfolder, type }
  }

  async get(
    owner: string,
    type: string,
    subfolder: string,
    filename: string,
  ): Promise<StoredUpload | undefined> {
    const key = uploadKey(owner, type, subfolder, filename)
    const found = this.#files.get(key) ?? (await this.store?.upload(owner, type, subfolder, filename))
    if (found !== undefined) this.#files.set(key, found)
    return found
  }

  /** The caller's uploads by reference (one it no longer has is left out: its server says why). */
  async all(owner: string, refs: readonly FileRef[]): Promise<StoredUpload[]> {
    const found = await Promise.all(refs.map((ref) => this.get(owner, ref.type, ref.subfolder, ref.filename)))
    return found.filter((upload): upload is StoredUpload => upload !== undefined)
  }

  /**
   * The caller's uploads a prompt names: any string input that reads as an uploaded file —
   * `name.png`, `sub/name.png`, or with ComfyUI's annotation `name.png [input]` — masks after the
   * files they are made from, so each original is on the server before its mask.
   */
  async neededBy(owner: string, prompt: Record<string, unknown>): Promise<StoredUpload[]> {
    const found = new Map<string, StoredUpload>()
    const add = async (ref: FileRef) => {
      const upload = await this.get(owner, ref.type, ref.subfolder, ref.filename)
      if (upload === undefined) return
      if (upload.mask !== undefined) await add(upload.mask)
      found.set(uploadKey(owner, upload.type, upload.subfolder, upload.filename), upload)
    }
    for (const node of Object.values(prompt)) {
      const inputs = (node as { inputs?: unknown } | null)?.inputs
      if (typeof inputs !== 'object' || inputs === null) continue
      for (const value of Object.values(inputs))
        if (typeof value === 'string' && value.includes('.')) await add(parseAnnotatedPath(value))
    }
    return [...found.values()]
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  )
}
