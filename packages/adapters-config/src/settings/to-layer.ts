import type { ConfigIssue } from '@comfy-balancer/core'
import { parseJsonText } from '../internal/json-text.js'
import { HIDDEN, received } from '../internal/received.js'
import type { ConfigLayer, ConfigLayerInput } from '../layer/types.js'
import { SETTINGS } from './keys.js'
import { hasUnsafeCharacters, isHttpUrl, parseValue } from './parse-value.js'

/** How a flat store names its keys and splits lists. */
export interface Naming {
  /** The user's name for a key: `comfyui.auto_switch`, `COMFYUI_AUTO_SWITCH`. */
  display(key: string): string
  /** Splits the backup list (newlines in SQL; commas or newlines in env vars). */
  readonly separator: RegExp
  /** What one backup entry is called in messages. */
  readonly unit: 'line' | 'entry'
}

/** A layer, or everything wrong with the raw values. */
export type FlatResult =
  | { readonly ok: true; readonly layer: ConfigLayer }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] }

const URL_EXPECTED = 'expected an absolute http(s) URL such as http://127.0.0.1:8188'
const URL_CHARACTERS =
  'expected one URL per line, without backslashes or whitespace inside (a `\\` would silently become `/`)'

/** What is wrong with one server URL, as an issue message; undefined when it is fine. */
function urlProblem(url: string): string | undefined {
  if (!isHttpUrl(url)) return URL_EXPECTED
  return hasUnsafeCharacters(url) ? URL_CHARACTERS : undefined
}

/**
 * Maps flat key/value settings (SQL rows, env vars) onto a config layer. Blank values count as
 * unset, like the seed row `comfyui.backup_servers = ''`. `servers` (a JSON list) wins over
 * `server_url` + `backup_servers`. Every problem is reported, not just the first.
 */
export function toLayer(values: ReadonlyMap<string, string>, naming: Naming): FlatResult {
  const issues: ConfigIssue[] = []
  const draft: Record<string, unknown> = {}
  const extras: Record<string, unknown> = {}
  const origins: Record<string, string> = {}
  const text = (key: string): string | undefined => {
    const value = values.get(key)?.trim()
    return value === undefined || value === '' ? undefined : value
  }

  const list = text('servers')
  if (list !== undefined) readServerList(list, naming.display('servers'), draft, origins, issues)
  else readPrimaryAndBackups(text('server_url'), values.get('backup_servers'), naming, draft, origins, issues)

  for (const setting of SETTINGS) {
    const raw = text(setting.key)
    if (raw === undefined) continue
    const where = naming.display(setting.key)
    const parsed = parseValue(setting.kind, raw)
    if (!parsed.ok) {
      issues.push({ path: where, message: parsed.expected, received: received(raw) })
      continue
    }
    const [head, tail] = setting.target.split('.') as [string, string | undefined]
    if (head === 'extras' && tail !== undefined) extras[tail] = parsed.value
    else {
      setPath(draft, setting.target, parsed.value)
      origins[setting.target] = where
    }
  }
  if (issues.length > 0) return { ok: false, issues }
  return { ok: true, layer: { config: draft as ConfigLayerInput, extras, origins } }
}

function readServerList(
  list: string,
  where: string,
  draft: Record<string, unknown>,
  origins: Record<string, string>,
  issues: ConfigIssue[],
): void {
  const parsed = parseJsonText(list)
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    const why = parsed.ok ? 'not a JSON array' : parsed.message
    issues.push({
      path: where,
      message: `expected a JSON array of server URLs or objects such as [{"url":"http://127.0.0.1:8188","weight":2}]: ${why}`,
      received: HIDDEN,
    })
    return
  }
  draft.servers = parsed.value
  origins.servers = where
}

function readPrimaryAndBackups(
  primary: string | undefined,
  backups: string | undefined,
  naming: Naming,
  draft: Record<string, unknown>,
  origins: Record<string, string>,
  issues: ConfigIssue[],
): void {
  const servers: string[] = []
  if (primary !== undefined) {
    origins[`servers.${servers.length}`] = naming.display('server_url')
    const problem = urlProblem(primary)
    if (problem)
      issues.push({ path: naming.display('server_url'), message: problem, received: received(primary) })
    servers.push(primary)
  }
  const entries = (backups ?? '').split(naming.separator)
  entries.forEach((entry, index) => {
    const url = entry.trim()
    if (url === '') return
    const where = `${naming.display('backup_servers')} (${naming.unit} ${index + 1})`
    const problem = urlProblem(url)
    if (problem) issues.push({ path: where, message: problem, received: received(url) })
    origins[`servers.${servers.length}`] = where
    servers.push(url)
  })
  if (primary === undefined && servers.length > 0) {
    issues.push({
      path: naming.display('server_url'),
      message: `expected the primary server URL: backups need a primary (or list every server in ${naming.display('servers')})`,
    })
  }
  if (servers.length > 0) draft.servers = servers
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  const last = keys.pop()!
  let node = target
  for (const key of keys) {
    node[key] ??= {}
    node = node[key] as Record<string, unknown>
  }
  node[last] = value
}
