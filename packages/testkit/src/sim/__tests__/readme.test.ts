// The README's sim example, imported through the package's public entry.
import { startComfySim, startSimCluster } from '@comfy-balancer/testkit/sim'
import { WebSocket } from 'undici'
import { expect, it } from 'vitest'
import { fetchErrorCode } from './helpers'

it('runs the README sim example', async () => {
  const sim = await startComfySim({ speed: 2, timeScale: 0.01 })
  try {
    const ws = new WebSocket(`${sim.wsUrl}?clientId=lb`)
    await new Promise((resolve) => ws.addEventListener('open', resolve))
    const closed = new Promise((resolve) => ws.addEventListener('close', resolve))
    const done = new Promise((resolve) =>
      ws.addEventListener('message', (event) => {
        const { type, data } = JSON.parse(String(event.data))
        if (type === 'executing' && data.node === null) resolve(data.prompt_id)
      }),
    )

    const response = await fetch(`${sim.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: { '1': { class_type: 'SimWork', inputs: { ms: 300 } } },
        client_id: 'lb',
      }),
    })
    const { prompt_id } = await response.json()
    expect(await done).toBe(prompt_id)
    const history = await (await fetch(`${sim.url}/history/${prompt_id}`)).json()
    expect(history[prompt_id].status.status_str).toBe('success')

    await fetch(`${sim.url}/__sim/fault`, { method: 'POST', body: JSON.stringify({ kind: 'http500' }) })
    expect((await fetch(`${sim.url}/queue`)).status).toBe(500)
    await sim.down()
    expect(await fetchErrorCode(fetch(`${sim.url}/queue`))).toBe('ECONNREFUSED')
    await sim.up()
    // The same port; the fault is still set, as faults outlive down() and up().
    expect((await fetch(`${sim.url}/prompt`)).status).toBe(500)
    ws.close()
    await closed // down() dropped it already
  } finally {
    await sim.close()
  }

  const cluster = await startSimCluster([{ speed: 1 }, { speed: 4, name: 'fast' }], {
    timeScale: 0.01,
    cors: true,
  })
  try {
    expect(cluster.urls).toHaveLength(2)
    for (const url of cluster.urls) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  } finally {
    await cluster.close()
  }
})
