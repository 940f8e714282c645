/**
 * The values of several lists, each once, in first-seen order: the first list's order, then each new
 * value where it first appears. Clients show these lists as they get them (model pickers, COMBO
 * widgets), so keeping the first server's order keeps the gateway's answer looking like that server's.
 *
 * Values are compared by kind and content, so `1` and `'1'` stay apart and two equal objects (a
 * custom node's structured COMBO option) count once.
 */
export function orderedUnion<T>(lists: Iterable<readonly T[]>): T[] {
  const seen = new Set<string>()
  const out: T[] = []
  for (const list of lists) {
    for (const value of list) {
      const key = valueKey(value)
      if (seen.has(key)) continue
      seen.add(key)
      out.push(value)
    }
  }
  return out
}

function valueKey(value: unknown): string {
  if (typeof value === 'object' && value !== null) return `json:${JSON.stringify(value)}`
  return `${typeof value}:${String(value)}`
}
