/** The outcome of {@link parseJsonText}. */
export type JsonText =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string }

/**
 * `JSON.parse` with a message safe to show. V8's own messages quote the text around the error,
 * which for a server list can be an `Authorization` header, so only the position is kept.
 */
export function parseJsonText(text: string): JsonText {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (error) {
    const detail = error instanceof Error ? error.message : ''
    const position = /position (\d+)/.exec(detail)?.[1]
    if (position !== undefined)
      return { ok: false, message: `not valid JSON (${where(text, Number(position))})` }
    if (/end of (JSON )?input|unterminated/i.test(detail))
      return { ok: false, message: 'not valid JSON (it ends too early)' }
    return { ok: false, message: 'not valid JSON' }
  }
}

function where(text: string, position: number): string {
  const before = text.slice(0, position)
  const line = before.split('\n').length
  const column = position - before.lastIndexOf('\n')
  return `line ${line}, column ${column}`
}
