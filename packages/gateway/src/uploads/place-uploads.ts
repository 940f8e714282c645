import type { RequestTarget } from '@comfy-balancer/core'
import type { StoredUpload } from '../state/gateway-store.js'

/**
 * Puts a prompt's uploads on the server chosen for it, before the prompt is posted there: each file
 * through that server's own `/upload/image` (a mask through `/upload/mask`, which ComfyUI puts
 * together with its original), with `overwrite` so it keeps the name the client was given. A file
 * already put there (same server, same content) is not sent again.
 */
export class UploadPlacer {
  /** `server id → upload keys with a content digest` already placed there. */
  readonly #placed = new Map<string, Set<string>>()
  /** Each upload's content digest, computed once (uploads are kept as the same objects). */
  readonly #digests = new WeakMap<StoredUpload, string>()

  constructor(private readonly fetchFn: typeof fetch = fetch) {}

  async place(
    server: { readonly id: string; readonly target: RequestTarget },
    uploads: readonly StoredUpload[],
  ): Promise<void> {
    const placed = this.#placed.get(server.id) ?? new Set<string>()
    this.#placed.set(server.id, placed)
    for (const upload of uploads) {
      const key = `${upload.owner}\u0000${upload.type}\u0000${upload.subfolder}\u0000${upload.filename}\u0000${this.#digestOf(upload)}`
      if (placed.has(key)) continue
      const form = new FormData()
      form.set('image', new Blob([Buffer.from(upload.bytes)]), upload.filename)
      form.set('type', upload.type)
      form.set('subfolder', upload.subfolder)
      form.set('overwrite', 'true')
      if (upload.mask !== undefined) form.set('original_ref', JSON.stringify(upload.mask))
      const route = upload.mask === undefined ? 'upload/image' : 'upload/mask'
      const answer = await this.fetchFn(`${server.target.base}/${route}`, {
        method: 'POST',
        headers: server.target.headers,
        body: form,
      })
      await answer.arrayBuffer().catch(() => undefined)
      if (!answer.ok) throw new Error(`${route} of ${upload.filename} answered ${answer.status}`)
      placed.add(key)
    }
  }

  #digestOf(upload: StoredUpload): string {
    let known = this.#digests.get(upload)
    if (known === undefined) {
      known = digest(upload.bytes)
      this.#digests.set(upload, known)
    }
    return known
  }

  /** Forgets what a server holds (it restarted: its input folder may be gone). */
  forget(serverId: string): void {
    this.#placed.delete(serverId)
  }
}

/** A cheap content fingerprint (FNV-1a): the same name with new content must be sent again. */
function digest(bytes: Uint8Array): string {
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return `${bytes.length}:${hash.toString(16)}`
}
