import type { SqlDialect } from './query.js'

const COLUMNS = `config_key VARCHAR(100) PRIMARY KEY,
  config_value TEXT,
  config_type VARCHAR(20) DEFAULT 'string',
  description TEXT,
  updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP`

/**
 * The original design's `system_config` table, per dialect. Safe to run on every start
 * (`IF NOT EXISTS`).
 *
 * @example
 * ```ts
 * db.exec(schemaSql.sqlite)
 * db.exec(seedSql.sqlite)
 * ```
 */
export const schemaSql: Readonly<Record<SqlDialect, string>> = {
  sqlite: `CREATE TABLE IF NOT EXISTS system_config (\n  ${COLUMNS}\n)`,
  postgres: `CREATE TABLE IF NOT EXISTS system_config (\n  ${COLUMNS}\n)`,
  mysql: `CREATE TABLE IF NOT EXISTS system_config (\n  ${COLUMNS}\n)`,
}

const ROWS = `('comfyui.server_url', 'http://127.0.0.1:8188', 'string', 'Primary ComfyUI server URL'),
  ('comfyui.backup_servers', '', 'text', 'Backup ComfyUI server URLs, one per line'),
  ('comfyui.auto_switch', 'true', 'boolean', 'Switch to a backup server automatically when the primary is busy or down')`

const INSERT = 'INTO system_config (config_key, config_value, config_type, description) VALUES'

/**
 * The original design's three seed rows (primary `http://127.0.0.1:8188`, no backups, auto switch
 * on), per dialect. One statement, so drivers that refuse multi-statement strings (mysql2) run it
 * as is; existing rows are left alone, so it is safe to run on every start.
 */
export const seedSql: Readonly<Record<SqlDialect, string>> = {
  sqlite: `INSERT OR IGNORE ${INSERT}\n  ${ROWS}`,
  postgres: `INSERT ${INSERT}\n  ${ROWS}\nON CONFLICT (config_key) DO NOTHING`,
  mysql: `INSERT IGNORE ${INSERT}\n  ${ROWS}`,
}
