import type { SqlDialect, SqlQuery, SqlRow } from './query.js'

function tagged(
  dialect: SqlDialect,
  run: (sql: string, params: unknown[]) => Promise<readonly SqlRow[]>,
): SqlQuery {
  return Object.assign((sql: string, params: readonly unknown[]) => run(sql, [...params]), { dialect })
}

/** The part of a better-sqlite3 `Database` (or `node:sqlite`'s `DatabaseSync`) the source uses. */
export interface SqliteDatabaseLike {
  prepare(sql: string): { all(...params: unknown[]): unknown[] }
}

/**
 * Wraps a better-sqlite3 `Database` (also `node:sqlite`'s `DatabaseSync`) as a {@link SqlQuery}.
 * The call is synchronous; it is wrapped so a thrown error becomes a rejection.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * const source = sqlConfig({ query: sqliteQuery(new Database('app.db')) })
 * ```
 */
export function sqliteQuery(db: SqliteDatabaseLike): SqlQuery {
  return tagged('sqlite', async (sql, params) => db.prepare(sql).all(...params) as SqlRow[])
}

/** The part of a `pg` `Pool`/`Client` (or a PGlite instance) the source uses. */
export interface PgClientLike {
  query(sql: string, params: unknown[]): Promise<{ readonly rows: readonly unknown[] }>
}

/**
 * Wraps a `pg` `Pool` or `Client` as a {@link SqlQuery} speaking PostgreSQL (`$1` placeholders).
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * const source = sqlConfig({ query: pgQuery(new pg.Pool({ connectionString: process.env.DATABASE_URL })) })
 * ```
 */
export function pgQuery(client: PgClientLike): SqlQuery {
  return tagged('postgres', async (sql, params) => (await client.query(sql, params)).rows as SqlRow[])
}

/**
 * Wraps a PGlite instance (Postgres in WASM, in the browser or Node) as a {@link SqlQuery}.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite'
 * const source = sqlConfig({ query: pgliteQuery(new PGlite('idb://app')) })
 * ```
 */
export function pgliteQuery(db: PgClientLike): SqlQuery {
  return pgQuery(db)
}

/** The part of a `mysql2/promise` `Pool`/`Connection` the source uses. */
export interface MysqlClientLike {
  execute(sql: string, params: unknown[]): Promise<unknown>
}

/**
 * Wraps a `mysql2/promise` pool or connection as a {@link SqlQuery} speaking MySQL (`?`
 * placeholders, backquoted identifiers). It uses `execute`, so values travel as a prepared
 * statement's parameters.
 *
 * @example
 * ```ts
 * import mysql from 'mysql2/promise'
 * const source = sqlConfig({ query: mysqlQuery(mysql.createPool(process.env.DATABASE_URL!)) })
 * ```
 */
export function mysqlQuery(pool: MysqlClientLike): SqlQuery {
  return tagged('mysql', async (sql, params) => {
    const result = await pool.execute(sql, params)
    // mysql2 resolves to [rows, fields].
    const rows = Array.isArray(result) ? (result[0] as unknown) : undefined
    if (!Array.isArray(rows)) throw new Error('mysqlQuery: expected execute() to resolve to [rows, fields]')
    return rows as SqlRow[]
  })
}
