import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll } from 'vitest'

/**
 * One real PostgreSQL (PGlite, in WASM) for the calling test file, started before its first test
 * (that takes seconds) and closed after its last. Returns a getter: the instance exists only once
 * the file's tests run.
 */
export function usePglite(): () => PGlite {
  let pg: PGlite | undefined
  beforeAll(async () => {
    pg = new PGlite()
    await pg.waitReady
  }, 30_000)
  afterAll(() => pg?.close())
  return () => {
    if (!pg) throw new Error('usePglite: PostgreSQL is not started yet (call it at the top of the file)')
    return pg
  }
}
