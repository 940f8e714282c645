import { createHash, timingSafeEqual } from 'node:crypto'

/** Who a request is: `''` on an open gateway, else the id of the token it carried (never the token). */
export type Owner = string

/**
 * Matches a request's bearer token (`Authorization: Bearer …`, or `?token=` for clients that cannot
 * set headers, such as a browser's WebSocket) against the configured tokens in constant time.
 */
export class TokenCheck {
  readonly #digests: Buffer[]

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest)
  }

  /** Whether requests need a token at all. */
  get required(): boolean {
    return this.#digests.length > 0
  }

  /** The caller's owner id, or undefined when a token is required and none of them matches. */
  owner(authorization: string | undefined, queryToken: string | undefined): Owner | undefined {
    if (!this.required) return ''
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? queryToken
    if (bearer === undefined || bearer === '') return undefined
    const given = digest(bearer)
    const index = this.#digests.findIndex((known) => timingSafeEqual(known, given))
    return index === -1 ? undefined : `token-${index + 1}`
  }
}

// Comparing fixed-length digests keeps the time independent of where two tokens differ.
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
