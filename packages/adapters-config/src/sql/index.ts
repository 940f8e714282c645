/**
 * `@comfy-balancer/config/sql`: the balancer's server list in a SQL `system_config` table, as the
 * original design keeps it, with helpers for better-sqlite3, node:sqlite, pg, PGlite and mysql2.
 */

export type { ConfigExtras, ConfigLayer, ConfigLayerInput, LayeredConfigSource } from '../layer/types.js'
export {
  type MysqlClientLike,
  mysqlQuery,
  type PgClientLike,
  pgliteQuery,
  pgQuery,
  type SqliteDatabaseLike,
  sqliteQuery,
} from './drivers.js'
export type { SqlDialect, SqlQuery, SqlRow } from './query.js'
export { schemaSql, seedSql } from './schema.js'
export { type SqlConfigOptions, sqlConfig } from './sql-config.js'
