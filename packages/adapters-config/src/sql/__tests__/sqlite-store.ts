import Database from 'better-sqlite3'
import { schemaSql, seedSql } from '../index.js'

/** A real in-memory SQLite database made from the shipped DDL and the original design's seed rows. */
export function sqliteStore(): {
  db: Database.Database
  set(key: string, value: string | null, type?: string): void
} {
  const db = new Database(':memory:')
  db.exec(schemaSql.sqlite)
  db.exec(seedSql.sqlite)
  const upsert = db.prepare(
    `INSERT INTO system_config (config_key, config_value, config_type) VALUES (?, ?, ?)
     ON CONFLICT (config_key) DO UPDATE SET config_value = excluded.config_value, updated_at = CURRENT_TIMESTAMP`,
  )
  return { db, set: (key, value, type = 'string') => upsert.run(key, value, type) }
}
