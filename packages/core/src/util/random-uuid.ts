import { InvalidArgumentError } from '../errors/server-errors.js'

/** The part of Web Crypto prompt ids need; `randomUUID` exists only in secure contexts. */
interface CryptoLike {
  randomUUID?: () => string
  getRandomValues?: <T extends Uint8Array>(array: T) => T
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/**
 * A random RFC 4122 version 4 UUID, lowercase and hyphenated as ComfyUI's own prompt ids.
 * `crypto.randomUUID` is missing on a page served over plain http from a non-local address (not a
 * secure context), while `crypto.getRandomValues` is there in every context: build it from that.
 */
export function randomUuid(crypto: CryptoLike | undefined = globalThis.crypto): string {
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID()
  if (typeof crypto?.getRandomValues !== 'function') {
    throw new InvalidArgumentError(
      'No Web Crypto here to make prompt ids: pass `createPromptId` (a function returning unique UUIDs).',
    )
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6]! & 0x0f) | 0x40 // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80 // variant 10xx
  const hex = Array.from(bytes, (byte) => HEX[byte]!)
  return `${hex.slice(0, 4).join('')}-${hex.slice(4, 6).join('')}-${hex.slice(6, 8).join('')}-${hex.slice(8, 10).join('')}-${hex.slice(10).join('')}`
}
