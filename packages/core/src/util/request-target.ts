/** Where and how to send a request to one server: fetch rejects URLs that carry user info. */
export interface RequestTarget {
  /** Base URL without user info and without a trailing slash. */
  readonly base: string
  /** The server's configured headers, plus `Authorization: Basic …` taken from the URL's user info. */
  readonly headers: Readonly<Record<string, string>>
}

function encodeBase64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** Splits credentials out of a server URL into a header, keeping any explicit `Authorization`. */
export function toRequestTarget(url: string, headers: Readonly<Record<string, string>>): RequestTarget {
  const parsed = new URL(url)
  const user = decodeURIComponent(parsed.username)
  const pass = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  parsed.pathname = parsed.pathname.replace(/\/+$/, '')
  const text = parsed.toString()
  const base = parsed.search === '' && parsed.hash === '' ? text.replace(/\/+$/, '') : text
  const hasAuth = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')
  if ((user === '' && pass === '') || hasAuth) return { base, headers }
  return { base, headers: { ...headers, Authorization: `Basic ${encodeBase64(`${user}:${pass}`)}` } }
}

/** Joins a base URL and an endpoint path such as `/system_stats`, keeping any query of the base. */
export function endpointUrl(base: string, path: string): string {
  const parsed = new URL(base)
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}${path}`
  return parsed.toString()
}
