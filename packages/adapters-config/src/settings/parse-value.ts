import type { SettingKind } from './keys.js'

/** A parsed setting, or what was expected instead. */
export type Parsed =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly expected: string }

const TRUE = /^(true|1|yes|on)$/i
const FALSE = /^(false|0|no|off)$/i
/** The sticky lock has no schema in core yet, so its range is checked here (core's limit for ms). */
const MAX_MS = 86_400_000

/** Reads trimmed, non-blank text as `kind`. Ranges beyond "is it a number" are left to core's schema. */
export function parseValue(kind: SettingKind, text: string): Parsed {
  switch (kind) {
    case 'boolean':
      if (TRUE.test(text)) return { ok: true, value: true }
      if (FALSE.test(text)) return { ok: true, value: false }
      return { ok: false, expected: 'expected a boolean: true, false, 1 or 0 (yes/no and on/off work too)' }
    case 'ms':
      return /^\d+$/.test(text) && Number(text) <= MAX_MS
        ? { ok: true, value: Number(text) }
        : { ok: false, expected: 'expected a whole number of milliseconds (0 to 86400000), e.g. 15000' }
    case 'integer':
      return /^-?\d+$/.test(text)
        ? { ok: true, value: Number(text) }
        : { ok: false, expected: 'expected a whole number, e.g. 20' }
    case 'number': {
      const value = Number(text)
      return Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, expected: 'expected a number, e.g. 0.1' }
    }
    case 'text':
      return { ok: true, value: text }
  }
}

/** True for an absolute http(s) URL with a host (see `hasUnsafeCharacters` for the rest of core's rule). */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

/**
 * A backslash or whitespace inside a URL: WHATWG parsing turns `\` into `/` and drops tabs and
 * newlines, so such a URL would silently name another server. Core's schema refuses it too.
 */
export function hasUnsafeCharacters(text: string): boolean {
  return /[\\\s]/.test(text)
}
