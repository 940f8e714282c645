import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { GatewayJob } from '../jobs/gateway-job.js'
import type { GatewayStore, StoredUpload } from './gateway-store.js'

/**
 * The gateway's state in SQLite (`gateway.sqlite` in a data directory): what a restarted gateway
 * needs to follow the prompts it took and answer for their history. better-sqlite3 writes
 * synchronously, so a write is on disk (WAL) before the call returns.
 */
export class SqliteGatewayStore implements GatewayStore {
  readonly #db: Database.Database
  readonly #statements: ReturnType<typeof prepare>

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true })
    this.#db = new Database(join(dataDir, 'gateway.sqlite'))
    this.#db.pragma('journal_mode = WAL')
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (prompt_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS uploads (owner TEXT, type TEXT, subfolder TEXT, filename TEXT, bytes BLOB NOT NULL,
        mask TEXT, PRIMARY KEY (owner, type, subfolder, filename));
    `)
    this.#statements = prepare(this.#db)
  }

  async load() {
    const rows = this.#statements.jobs.all() as Array<{ data: string }>
    const counter = (this.#statements.counter.get() as { value: number } | undefined)?.value ?? 0
    return { jobs: rows.map((row) => JSON.parse(row.data) as GatewayJob), counter }
  }

  async saveJob(job: GatewayJob) {
    // After close() (a shutdown racing a job's last events) there is nothing to write to.
    if (!this.#db.open) return
    this.#statements.saveJob.run({ id: job.promptId, data: JSON.stringify(job) })
  }

  async deleteJob(promptId: string) {
    if (!this.#db.open) return
    this.#statements.deleteJob.run(promptId)
  }

  async saveCounter(counter: number) {
    if (!this.#db.open) return
    this.#statements.saveCounter.run(counter)
  }

  async saveUpload(upload: StoredUpload) {
    if (!this.#db.open) return
    const { owner, type, subfolder, filename, bytes, mask } = upload
    const ref = mask === undefined ? null : JSON.stringify(mask)
    this.#statements.saveUpload.run(owner, type, subfolder, filename, Buffer.from(bytes), ref)
  }

  async upload(owner: string, type: string, subfolder: string, filename: string) {
    const row = this.#statements.upload.get(owner, type, subfolder, filename) as { bytes: Buffer } | undefined
    return row === undefined
      ? undefined
      : { owner, type, subfolder, filename, bytes: new Uint8Array(row.bytes) }
  }

  async close() {
    if (this.#db.open) this.#db.close()
  }
}

function prepare(db: Database.Database) {
  return {
    jobs: db.prepare('SELECT data FROM jobs ORDER BY seq'),
    // A job keeps its first position: history order is kept by the job table itself.
    saveJob: db.prepare(
      `INSERT INTO jobs (prompt_id, seq, data) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), @data)
       ON CONFLICT (prompt_id) DO UPDATE SET data = excluded.data`,
    ),
    deleteJob: db.prepare('DELETE FROM jobs WHERE prompt_id = ?'),
    counter: db.prepare("SELECT value FROM counters WHERE name = 'number'"),
    saveCounter: db.prepare(
      "INSERT INTO counters (name, value) VALUES ('number', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    ),
    saveUpload: db.prepare(
      `INSERT INTO uploads (owner, type, subfolder, filename, bytes, mask) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (owner, type, subfolder, filename) DO UPDATE SET bytes = excluded.bytes, mask = excluded.mask`,
    ),
    upload: db.prepare(
      'SELECT bytes FROM uploads WHERE owner = ? AND type = ? AND subfolder = ? AND filename = ?',
    ),
  }
}
