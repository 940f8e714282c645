/**
 * A suite-wide record of every line tests print or log, for the credential scan: tests configure
 * servers with the credentials below, record their balancer's logs and events here, and a setup file
 * fails a test file whose recorded lines contain any of them.
 *
 * The record lives on `globalThis` (under a `Symbol.for` key), so a setup file and the test file it
 * precedes share one record even if they load two copies of this module.
 */

/** Credentials tests give to servers: user and password in a URL, a bearer token, an API key. */
export const TEST_CREDENTIALS = {
  user: 'scan-user',
  password: 'pw-7f3a9c1e-url',
  token: 'tk-51e0b8d2-bearer',
  apiKey: 'ak-c4d2e190-header',
} as const

/** `Basic` authorisation value for {@link TEST_CREDENTIALS}' user and password. */
export const TEST_BASIC_AUTH = `Basic ${btoa(`${TEST_CREDENTIALS.user}:${TEST_CREDENTIALS.password}`)}`

/**
 * Every secret string that must never appear in a log line, an event or an error: the password,
 * the token, the API key, and the base64 `user:password` a Basic header carries.
 */
export const TEST_SECRETS: readonly string[] = [
  TEST_CREDENTIALS.password,
  TEST_CREDENTIALS.token,
  TEST_CREDENTIALS.apiKey,
  btoa(`${TEST_CREDENTIALS.user}:${TEST_CREDENTIALS.password}`),
]

/** Headers that carry {@link TEST_CREDENTIALS}: a bearer token and an API key. */
export const TEST_AUTH_HEADERS: Readonly<Record<string, string>> = {
  Authorization: `Bearer ${TEST_CREDENTIALS.token}`,
  'X-Api-Key': TEST_CREDENTIALS.apiKey,
}

/** `http://127.0.0.1:8188` → `http://scan-user:pw-…@127.0.0.1:8188`. */
export function withTestCredentials(url: string): string {
  const parsed = new URL(url)
  parsed.username = TEST_CREDENTIALS.user
  parsed.password = TEST_CREDENTIALS.password
  return parsed.toString().replace(/\/$/, '')
}

/** One recorded line: where it came from (`console.warn`, `logger:core`, `event:error`, …) and its text. */
export interface RecordedLine {
  readonly source: string
  readonly text: string
}

/** A secret found in a recorded line. */
export interface SecretHit {
  readonly secret: string
  readonly source: string
  /** The line, cut around the secret (the secret itself replaced by `<SECRET>`). */
  readonly excerpt: string
}

interface Record_ {
  lines: RecordedLine[]
  /** Lines scanned by earlier `drain` calls, for the report. */
  scanned: number
}

const KEY = Symbol.for('comfy-balancer.testkit.recording')

function record(): Record_ {
  const holder = globalThis as unknown as { [KEY]?: Record_ }
  holder[KEY] ??= { lines: [], scanned: 0 }
  return holder[KEY]
}

/** Adds a line to the suite-wide record. */
export function recordLine(source: string, text: string): void {
  record().lines.push({ source, text })
}

/** The lines recorded since the last {@link drainRecordedLines} (a copy). */
export function recordedLines(): readonly RecordedLine[] {
  return [...record().lines]
}

/** Removes recorded lines that match `predicate` (for a test that plants a secret on purpose). */
export function forgetRecordedLines(predicate: (line: RecordedLine) => boolean): number {
  const rec = record()
  const before = rec.lines.length
  rec.lines = rec.lines.filter((line) => !predicate(line))
  return before - rec.lines.length
}

/** Takes every recorded line out of the record and returns them. */
export function drainRecordedLines(): RecordedLine[] {
  const rec = record()
  const lines = rec.lines
  rec.lines = []
  rec.scanned += lines.length
  return lines
}

/** Every place a secret occurs in `lines`. */
export function findSecrets(
  lines: readonly RecordedLine[],
  secrets: readonly string[] = TEST_SECRETS,
): SecretHit[] {
  const hits: SecretHit[] = []
  for (const line of lines) {
    for (const secret of secrets) {
      const at = line.text.indexOf(secret)
      if (at < 0) continue
      const excerpt = `${line.text.slice(Math.max(0, at - 60), at)}<SECRET>${line.text.slice(at + secret.length, at + secret.length + 60)}`
      hits.push({ secret: `${secret.slice(0, 3)}…`, source: line.source, excerpt })
    }
  }
  return hits
}

/** Serialises anything for the record: errors with their code, fields and causes; cycles cut. */
export function describeForScan(value: unknown): string {
  const seen = new WeakSet<object>()
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 8) return '[deep]'
    if (typeof v === 'bigint') return `${v}n`
    if (typeof v === 'function') return `[function ${v.name}]`
    if (typeof v !== 'object' || v === null) return v
    if (seen.has(v)) return '[cycle]'
    seen.add(v)
    if (v instanceof Error) {
      const fields: Record<string, unknown> = { name: v.name, message: v.message, stack: v.stack }
      for (const key of Object.keys(v))
        fields[key] = walk((v as unknown as Record<string, unknown>)[key], depth + 1)
      if (v.cause !== undefined) fields.cause = walk(v.cause, depth + 1)
      return fields
    }
    if (v instanceof Map) return { map: walk([...v.entries()], depth + 1) }
    if (v instanceof Set) return { set: walk([...v.values()], depth + 1) }
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1))
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(v)) out[key] = walk((v as Record<string, unknown>)[key], depth + 1)
    return out
  }
  const shaped = walk(value, 0)
  return typeof shaped === 'string' ? shaped : (JSON.stringify(shaped) ?? String(shaped))
}

/** A logger (core's `Logger` shape) that records every line at every level, debug included. */
export interface RecordingLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void
  info(message: string, fields?: Readonly<Record<string, unknown>>): void
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void
  error(message: string, fields?: Readonly<Record<string, unknown>>): void
  isLevelEnabled(level: 'debug' | 'info' | 'warn' | 'error'): boolean
  /** Lines this logger wrote, as `level message fields`. */
  readonly lines: readonly string[]
}

/**
 * A debug-level logger whose every line goes to the suite-wide record (as `logger:<name>`) and to
 * its own `lines`. Pass it as a balancer's `logger`.
 */
export function recordingLogger(name = 'test', options: { keep?: boolean } = {}): RecordingLogger {
  const lines: string[] = []
  const keep = options.keep ?? true
  const at =
    (level: string) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      const text =
        fields === undefined ? `${level} ${message}` : `${level} ${message} ${describeForScan(fields)}`
      recordLine(`logger:${name}`, text)
      if (keep) lines.push(text)
    }
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: () => true,
    lines,
  }
}

/** The event names a comfy-balancer `LoadBalancer` emits. */
export const BALANCER_EVENT_NAMES = [
  'selected',
  'health-changed',
  'failover',
  'config-changed',
  'error',
] as const

/**
 * Records every event of `names` that `target` emits (as `event:<name>`, serialised with
 * {@link describeForScan}). Returns the unsubscribe and a count of events seen.
 */
export function recordEvents(
  target: { on(name: string, handler: (event: unknown) => void): () => void },
  names: readonly string[] = BALANCER_EVENT_NAMES,
): { readonly count: number; stop(): void } {
  let count = 0
  const stops = names.map((name) =>
    target.on(name, (event) => {
      count += 1
      recordLine(`event:${name}`, describeForScan(event))
    }),
  )
  return {
    get count() {
      return count
    },
    stop: () => {
      for (const stop of stops) stop()
    },
  }
}

/** The total number of lines drained so far in this process (for the scan's report). */
export function scannedLineCount(): number {
  return record().scanned
}
