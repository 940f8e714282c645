import { ConfigValidationError, InvalidArgumentError } from '@comfy-balancer/core'
import { systemClock } from '@comfy-balancer/core/internal'
import { ChangeFeed } from '../internal/change-feed.js'
import type { TimerClock } from '../internal/clock.js'
import { abortable, abortError, toLoadError } from '../internal/errors.js'
import { UNREADABLE } from '../internal/hash.js'
import { pollEvery } from '../internal/poll.js'
import { layeredSource } from '../layer/layered-source.js'
import type { ConfigLayer, LayeredConfigSource } from '../layer/types.js'
import { ALL_KEYS } from '../settings/keys.js'
import { toLayer } from '../settings/to-layer.js'
import { type SqlDialect, type SqlQuery, selectKeys } from './query.js'
import { readRows, type SqlSettings } from './rows.js'

/** Line breaks in `backup_servers`: real ones, and the two characters `\n` (or `\r\n`) written out. */
const LINE_BREAKS = /\\r\\n|\\n|\r\n|\r|\n/

/** Options of {@link sqlConfig}. */
export interface SqlConfigOptions {
  /** Runs the statement: `sqliteQuery(db)`, `pgQuery(pool)`, `pgliteQuery(db)`, `mysqlQuery(pool)` or your own. */
  readonly query: SqlQuery
  /** The table, optionally schema-qualified. Default `system_config`. */
  readonly table?: string
  /** The key prefix: rows `<group>.server_url` and so on. Default `comfyui`. */
  readonly group?: string
  /** Overrides `query.dialect`. Default: `query.dialect`, else `sqlite`. */
  readonly dialect?: SqlDialect
  /** How often `subscribe` re-reads the rows to spot changes; `false` offers no `subscribe`. Default 15 000. */
  readonly pollMs?: number | false
  /** Timer source for polling. Default: core's `systemClock` (timers never keep Node alive). */
  readonly clock?: TimerClock
  /** Names the source in errors. Default `sql:<table>`. */
  readonly name?: string
}

const DEFAULT_POLL_MS = 15_000
const MISSING_TABLE = /no such table|does not exist|doesn't exist|ER_NO_SUCH_TABLE/i

/**
 * A config source reading the original design's `system_config` table: `comfyui.server_url` (the
 * primary), `comfyui.backup_servers` (one URL per line), `comfyui.auto_switch`, and the richer keys
 * in the README (`comfyui.servers` as a JSON list wins over the first two). `load()` validates with
 * core's schema and names the offending key; `extras.lockMs` carries `comfyui.lock_ms`. With
 * polling on (the default), a balancer picks up an `UPDATE` within one `pollMs`.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * import { createLoadBalancer } from '@comfy-balancer/core'
 * import { schemaSql, seedSql, sqlConfig, sqliteQuery } from '@comfy-balancer/config/sql'
 *
 * const db = new Database('app.db')
 * db.exec(schemaSql.sqlite)
 * db.exec(seedSql.sqlite)
 * const balancer = createLoadBalancer({ source: sqlConfig({ query: sqliteQuery(db) }) })
 * ```
 */
export function sqlConfig(options: SqlConfigOptions): LayeredConfigSource {
  const table = options.table ?? 'system_config'
  const group = options.group ?? 'comfyui'
  const dialect = options.dialect ?? options.query.dialect ?? 'sqlite'
  const name = options.name ?? `sql:${table}`
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS
  if (pollMs !== false && !(Number.isFinite(pollMs) && pollMs >= 10)) {
    throw new InvalidArgumentError(`sqlConfig: expected pollMs ≥ 10 or false, received ${pollMs}.`)
  }
  // Built (and the table name checked) once, here: a bad name fails at construction.
  const statement = selectKeys(table, ALL_KEYS, dialect)
  const params = ALL_KEYS.map((key) => `${group}.${key}`)
  const clock = options.clock ?? systemClock
  const naming = {
    display: (key: string) => `${group}.${key}`,
    // Also a literal backslash-n: the original seed row's 'https://backup1.com\nhttps://backup2.com'
    // is no escape on SQLite or PostgreSQL (the value holds `\` and `n`), yet its author meant a line break.
    separator: LINE_BREAKS,
    unit: 'line',
  } as const

  const read = async (signal?: AbortSignal): Promise<SqlSettings> => {
    if (signal?.aborted) throw abortError(name, signal)
    let rows: unknown
    try {
      rows = await abortable(
        Promise.resolve().then(() => options.query(statement, params)),
        name,
        signal,
      )
    } catch (error) {
      const hint = MISSING_TABLE.test(String((error as Error)?.message))
        ? `. Create the table with schemaSql.${dialect} and seed it with seedSql.${dialect} from @comfy-balancer/config/sql`
        : ''
      throw toLoadError(name, error, hint)
    }
    return readRows(rows, group, name)
  }

  const feed = new ChangeFeed((observe) =>
    pollEvery(clock, pollMs || DEFAULT_POLL_MS, async () => {
      observe(
        await read().then(
          (settings) => settings.hash,
          () => UNREADABLE,
        ),
      )
    }),
  )

  const loadLayer = async (signal?: AbortSignal): Promise<ConfigLayer> => {
    let settings: SqlSettings
    try {
      settings = await read(signal)
    } catch (error) {
      // An outage is "what we know" now, so the poller reports the recovery; an abort is not.
      if (!signal?.aborted) feed.note(UNREADABLE)
      throw error
    }
    feed.note(settings.hash)
    const result = toLayer(settings.values, naming)
    if (!result.ok) throw new ConfigValidationError(name, result.issues)
    return result.layer
  }

  return layeredSource({
    name,
    loadLayer,
    subscribe: pollMs === false ? undefined : (onChange) => feed.subscribe(onChange),
    missingServers: `${group}.server_url`,
  })
}
