/** How a setting's text is read. */
export type SettingKind = 'boolean' | 'ms' | 'number' | 'integer' | 'text'

/** One flat setting shared by the SQL table and env vars. */
export interface SettingSpec {
  /** snake_case: the SQL key after `comfyui.`, the env var after `COMFYUI_` (upper-cased). */
  readonly key: string
  readonly kind: SettingKind
  /** A config path (`probe.intervalMs`) or an extra (`extras.lockMs`). */
  readonly target: string
}

/** The server list keys, read together (see `toLayer`). */
export const SERVER_KEYS = ['server_url', 'backup_servers', 'servers'] as const

/**
 * Every other key. One table for SQL and env so the two forms can never drift apart; the README's
 * key table is written from it.
 */
export const SETTINGS: readonly SettingSpec[] = [
  { key: 'auto_switch', kind: 'boolean', target: 'autoSwitch' },
  { key: 'fallback', kind: 'text', target: 'fallback' },
  { key: 'probe_interval_ms', kind: 'ms', target: 'probe.intervalMs' },
  { key: 'health_timeout_ms', kind: 'ms', target: 'probe.healthTimeoutMs' },
  { key: 'queue_timeout_ms', kind: 'ms', target: 'probe.queueTimeoutMs' },
  { key: 'cache_ms', kind: 'ms', target: 'probe.cacheMs' },
  { key: 'queue_mode', kind: 'text', target: 'probe.queueMode' },
  { key: 'jitter', kind: 'number', target: 'probe.jitter' },
  { key: 'recovery_base_ms', kind: 'ms', target: 'probe.recoveryBaseMs' },
  { key: 'failure_history', kind: 'integer', target: 'failureHistory' },
  { key: 'lock_ms', kind: 'ms', target: 'extras.lockMs' },
]

/** Every key a source reads, server keys first. */
export const ALL_KEYS: readonly string[] = [...SERVER_KEYS, ...SETTINGS.map((setting) => setting.key)]
