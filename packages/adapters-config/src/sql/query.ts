import { InvalidArgumentError } from '@comfy-balancer/core'

/** Which SQL the source writes: placeholders (`?` or `$1`) and identifier quotes (`"` or `` ` ``). */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql'

/** One result row, as drivers return them: column name to value. */
export type SqlRow = Readonly<Record<string, unknown>>

/**
 * Runs one parameterised statement and resolves to its rows. Any driver fits behind it; the
 * helpers (`sqliteQuery`, `pgQuery`, `pgliteQuery`, `mysqlQuery`) also set `dialect` so the
 * source writes SQL your database understands.
 */
export interface SqlQuery {
  (sql: string, params: readonly unknown[]): Promise<readonly SqlRow[]>
  /** The dialect this function speaks; `sqlConfig({ dialect })` overrides it. Default: `sqlite`. */
  readonly dialect?: SqlDialect
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]*$/

/**
 * Quotes a table name, optionally schema-qualified (`public.system_config`). Identifiers cannot be
 * bound as parameters, so the name is checked against a strict pattern first and then quoted part
 * by part; a name that fails is refused at construction, before any SQL runs.
 */
export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  if (!IDENTIFIER.test(name) || name.split('.').some((part) => part === '')) {
    throw new InvalidArgumentError(
      `sqlConfig: the table name ${JSON.stringify(name)} is not a plain SQL identifier; expected letters, digits, "_" and an optional "schema." prefix, matching ${IDENTIFIER}.`,
    )
  }
  const quote = dialect === 'mysql' ? '`' : '"'
  return name
    .split('.')
    .map((part) => `${quote}${part}${quote}`)
    .join('.')
}

/** The one statement the source runs: the rows of the given keys, values always bound. */
export function selectKeys(table: string, keys: readonly string[], dialect: SqlDialect): string {
  const marks = keys.map((_, index) => (dialect === 'postgres' ? `$${index + 1}` : '?')).join(', ')
  return `SELECT config_key, config_value, config_type FROM ${quoteIdentifier(table, dialect)} WHERE config_key IN (${marks})`
}
