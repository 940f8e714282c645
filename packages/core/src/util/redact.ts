const MASK = '***'

/** Query parameters that carry credentials in ComfyUI set-ups (ComfyUI-Login's `token`, RunPod keys). */
const SECRET_PARAM = /^(token|access_token|api[-_]?key|key|password|pass|secret|auth|signature|sig)$/i

/** Headers whose values are credentials. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token)$/i

/**
 * A URL with its user info and credential-like query values replaced by `***`. Text that does not
 * parse as a URL is returned with the same treatment applied by pattern.
 */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return redactText(url)
  }
  let changed = false
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = MASK
    parsed.password = parsed.password === '' ? '' : MASK
    changed = true
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      parsed.searchParams.set(name, MASK)
      changed = true
    }
  }
  if (!changed) return url
  // URL escapes the mask; show it plainly so redacted lines stay readable.
  let text = parsed.toString().replaceAll('%2A%2A%2A', MASK)
  // Keep the form the user wrote: `new URL` adds a "/" path that `http://host:8188` did not have.
  if (parsed.pathname === '/' && !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(url))
    text = text.replace(/\/(?=$|[?#])/, '')
  return text
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+/g

/** Redacts every URL and every `Bearer …`/`Basic …` credential found in free text. */
export function redactText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (match) => (URL.canParse(match) ? redactUrl(match) : match))
    .replace(AUTH_SCHEME, (_match, scheme: string) => `${scheme} ${MASK}`)
}

/** A copy of `headers` with credential values replaced by `***`. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADER.test(name) ? MASK : value
  return out
}

/** True when the header name carries a credential. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name)
}
