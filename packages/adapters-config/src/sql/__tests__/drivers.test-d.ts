import type { PGlite } from '@electric-sql/pglite'
import type Database from 'better-sqlite3'
import { describe, expectTypeOf, it } from 'vitest'
import type { MysqlClientLike, PgClientLike, SqliteDatabaseLike } from '../index.js'

// Trimmed copies of the overloads in @types/pg and mysql2/promise (not installed here: the helpers
// are typed structurally so the package never depends on them).
interface PgQueryResult<R> {
  rows: R[]
  rowCount: number | null
}
interface PgPool {
  query<R = unknown>(config: { text: string }): Promise<PgQueryResult<R>>
  // biome-ignore lint/suspicious/noExplicitAny: mirrors @types/pg
  query<R = any, I = any[]>(textOrConfig: string | { text: string }, values?: I): Promise<PgQueryResult<R>>
  query(config: { text: string }, callback: (error: Error, result: PgQueryResult<unknown>) => void): void
}
type FieldPacket = { name: string }
type RowDataPacket = Record<string, unknown>
interface MysqlPool {
  execute<T extends RowDataPacket[] | RowDataPacket[][]>(sql: string): Promise<[T, FieldPacket[]]>
  execute<T extends RowDataPacket[] | RowDataPacket[][]>(
    sql: string,
    // biome-ignore lint/suspicious/noExplicitAny: mirrors mysql2
    values: any,
  ): Promise<[T, FieldPacket[]]>
}

describe('driver shapes', () => {
  it('accepts the real better-sqlite3 and PGlite types', () => {
    expectTypeOf<Database.Database>().toExtend<SqliteDatabaseLike>()
    expectTypeOf<PGlite>().toExtend<PgClientLike>()
  })

  it('accepts pg and mysql2 pools as their typings declare them', () => {
    expectTypeOf<PgPool>().toExtend<PgClientLike>()
    expectTypeOf<MysqlPool>().toExtend<MysqlClientLike>()
  })
})
