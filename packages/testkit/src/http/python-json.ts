/**
 * Serialises like Python's `json.dumps` defaults, which aiohttp's `json_response` uses: `", "` and
 * `": "` separators and `ensure_ascii`. Byte counts then match a real server's, which matters when
 * comparing what different probes cost.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number')
    return Number.isFinite(value) ? JSON.stringify(value) : pythonNonFinite(value)
  if (typeof value === 'string') return asciiString(value)
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (typeof value === 'object') {
    const parts: string[] = []
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) parts.push(`${asciiString(key)}: ${pythonJson(item)}`)
    }
    return `{${parts.join(', ')}}`
  }
  return 'null'
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

function pythonNonFinite(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? 'Infinity' : '-Infinity'
}
