import type { GatewayJob } from '../jobs/gateway-job.js'

/** A file a client uploaded through the gateway, kept until a prompt that names it runs somewhere. */
export interface StoredUpload {
  readonly owner: string
  /** ComfyUI's upload folder: `input` (default), `temp` or `output`. */
  readonly type: string
  readonly subfolder: string
  readonly filename: string
  readonly bytes: Uint8Array
  /** A mask (`/upload/mask`) is put together with its original on the server, as ComfyUI does. */
  readonly mask?: { readonly filename: string; readonly subfolder: string; readonly type: string }
}

/**
 * Where the gateway keeps what must survive its restart: every prompt it took (waiting, running
 * and history), its number counter, and uploads. Writes are in the order they are made.
 */
export interface GatewayStore {
  /** Every job, in the order they were first saved, and the number counter. */
  load(): Promise<{ readonly jobs: GatewayJob[]; readonly counter: number }>
  saveJob(job: GatewayJob): Promise<void>
  deleteJob(promptId: string): Promise<void>
  saveCounter(counter: number): Promise<void>
  saveUpload(upload: StoredUpload): Promise<void>
  /** The caller's upload, if they made it. */
  upload(owner: string, type: string, subfolder: string, filename: string): Promise<StoredUpload | undefined>
  close(): Promise<void>
}

export function uploadKey(owner: string, type: string, subfolder: string, filename: string): string {
  return [owner, type, subfolder, filename].join('\u0000')
}
