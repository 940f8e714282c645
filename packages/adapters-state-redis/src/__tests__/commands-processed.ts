import { Redis } from 'ioredis'

/**
 * How many commands `redis-server` at `url` has processed since it started (`INFO stats`), read on a
 * connection of its own; the reading itself counts as one more.
 */
export async function commandsProcessed(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 })
  try {
    await client.connect()
    const stats = await client.info('stats')
    const match = /total_commands_processed:(\d+)/.exec(stats)
    if (!match) throw new Error(`INFO stats has no total_commands_processed:\n${stats}`)
    return Number(match[1])
  } finally {
    client.disconnect()
  }
}
