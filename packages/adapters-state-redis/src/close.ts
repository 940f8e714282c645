import type { Redis, RedisStatus } from 'ioredis'

/**
 * Closes a client for good and resolves once nothing of it is left to keep the process alive.
 * Connected: `QUIT`, so replies still due arrive. Otherwise the socket and any reconnection timer
 * are dropped at once.
 */
export async function closeClient(client: Redis, graceMs = 2_000): Promise<void> {
  if (client.status === 'end') return
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()))
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect())
  } else {
    client.disconnect()
    // ioredis arms a `disconnectTimeout` timer to destroy the socket, even one already closed (then
    // it just runs out). The store sets that timeout to 0: one turn of the timer queue clears it.
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  // Between two attempts there is no socket: disconnect() cleared the reconnection timer and no
  // `end` will come. Any other state still has a socket, whose close ends the client.
  const now = statusOf(client) // disconnect() changed it, which TypeScript cannot see
  if (now === 'reconnecting' || now === 'end') return
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.disconnect()
      resolve()
    }, graceMs)
  })
  await Promise.race([ended, late])
  clearTimeout(timer)
}

function statusOf(client: Redis): RedisStatus {
  return client.status
}
