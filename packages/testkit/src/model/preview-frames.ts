import { pythonJson } from '../http/python-json'
import type { PreviewFormat, PreviewMetadata } from './previews'

/** protocol.py's `BinaryEventTypes`: the 4-byte big-endian number that starts every binary frame. */
export const BinaryEventTypes = {
  /** Image format (1 JPEG, 2 PNG), then the image: the legacy preview. */
  PREVIEW_IMAGE: 1,
  /** Internal to the server: encoded into `PREVIEW_IMAGE` before it is sent. */
  UNENCODED_PREVIEW_IMAGE: 2,
  /** Length of a node id, the node id, then UTF-8 text. */
  TEXT: 3,
  /** Length of the metadata JSON, the JSON, then the image. */
  PREVIEW_IMAGE_WITH_METADATA: 4,
} as const

// 8×8 images made once (a small colour gradient, JPEG at quality 95 as server.py saves previews):
// real files any decoder opens, small enough to keep frames cheap.
const JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgoBAgICAgICBQMDBQoHBgcKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCv/AABEIAAgACAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/APLvCnwp+7/o36V+OYzON9T6/hvPvh1P/9k='
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAMElEQVR4AW3BQQ3DABAEMVfax8AqhEAIfxQhcPbvff4RERExOU1Ok9PkNDlNTpPTBwSnAX58c2orAAAAAElFTkSuQmCC'

const IMAGES: Record<PreviewFormat, Uint8Array> = {
  JPEG: fromBase64(JPEG_BASE64),
  PNG: fromBase64(PNG_BASE64),
}

/** server.py's `send_image` format numbers. */
const FORMAT_NUMBERS: Record<PreviewFormat, number> = { JPEG: 1, PNG: 2 }

/** A copy of the fixed 8×8 image the simulator previews in this format. */
export function previewImage(format: PreviewFormat): Uint8Array {
  return IMAGES[format].slice()
}

/** server.py's `send_image` then `encode_bytes`: type 1, format (1 JPEG, 2 PNG), image. */
export function encodePreviewFrame(format: PreviewFormat, image: Uint8Array): Uint8Array {
  const frame = new Uint8Array(8 + image.byteLength)
  const view = new DataView(frame.buffer)
  view.setUint32(0, BinaryEventTypes.PREVIEW_IMAGE)
  view.setUint32(4, FORMAT_NUMBERS[format])
  frame.set(image, 8)
  return frame
}

/**
 * server.py's `send_image_with_metadata` then `encode_bytes`: type 4, the metadata's length, the
 * metadata as `json.dumps` writes it with `image_type` (a MIME type) added last, then the image.
 */
export function encodePreviewWithMetadataFrame(
  format: PreviewFormat,
  image: Uint8Array,
  metadata: PreviewMetadata,
): Uint8Array {
  const imageType = format === 'PNG' ? 'image/png' : 'image/jpeg'
  const json = new TextEncoder().encode(pythonJson({ ...metadata, image_type: imageType }))
  const frame = new Uint8Array(8 + json.byteLength + image.byteLength)
  const view = new DataView(frame.buffer)
  view.setUint32(0, BinaryEventTypes.PREVIEW_IMAGE_WITH_METADATA)
  view.setUint32(4, json.byteLength)
  frame.set(json, 8)
  frame.set(image, 8 + json.byteLength)
  return frame
}

/** A binary frame taken apart by {@link parseBinaryFrame}. */
export type ParsedBinaryFrame =
  | { readonly kind: 'preview'; readonly type: 1; readonly format: number; readonly image: Uint8Array }
  | {
      readonly kind: 'preview-with-metadata'
      readonly type: 4
      readonly metadata: Record<string, unknown>
      readonly image: Uint8Array
    }
  /** Any other type (e.g. 3, TEXT), or a frame too short for its type: the bytes after the type. */
  | { readonly kind: 'other'; readonly type: number; readonly payload: Uint8Array }

/**
 * Reads a ComfyUI binary WebSocket frame, as a client does: the 4-byte big-endian event type, then
 * the layout of that type. Throws a `RangeError` for a frame shorter than 4 bytes.
 */
export function parseBinaryFrame(bytes: Uint8Array): ParsedBinaryFrame {
  if (bytes.byteLength < 4)
    throw new RangeError(`a binary frame has at least 4 bytes, got ${bytes.byteLength}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const type = view.getUint32(0)
  if (type === BinaryEventTypes.PREVIEW_IMAGE && bytes.byteLength >= 8) {
    return {
      kind: 'preview',
      type: BinaryEventTypes.PREVIEW_IMAGE,
      format: view.getUint32(4),
      image: bytes.slice(8),
    }
  }
  if (type === BinaryEventTypes.PREVIEW_IMAGE_WITH_METADATA && bytes.byteLength >= 8) {
    const end = 8 + view.getUint32(4)
    if (end <= bytes.byteLength) {
      const metadata = JSON.parse(new TextDecoder().decode(bytes.subarray(8, end))) as Record<string, unknown>
      return {
        kind: 'preview-with-metadata',
        type: BinaryEventTypes.PREVIEW_IMAGE_WITH_METADATA,
        metadata,
        image: bytes.slice(end),
      }
    }
  }
  return { kind: 'other', type, payload: bytes.slice(4) }
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
}
