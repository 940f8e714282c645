// The README quickstart, imported through the package's public entries.
import { createTestClock } from '@comfy-balancer/testkit'
import { createMswCluster } from '@comfy-balancer/testkit/msw'
import { setupServer } from 'msw/node'
import { expect, it } from 'vitest'

it('runs the README quickstart', async () => {
  const clock = createTestClock()
  const cluster = createMswCluster(
    [{ url: 'http://gpu-a.test:8188' }, { url: 'http://gpu-b.test:8188', speed: 2 }],
    clock,
  )
  const server = setupServer(...cluster.handlers)
  server.listen({ onUnhandledRequest: 'error' })
  try {
    const response = await fetch('http://gpu-b.test:8188/prompt', {
      method: 'POST',
      body: JSON.stringify({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 300 } } } }),
    })
    const { prompt_id } = await response.json()

    await clock.advance(149)
    expect(await (await fetch(`http://gpu-b.test:8188/history/${prompt_id}`)).json()).toEqual({})
    await clock.advance(1)
    const history = await (await fetch(`http://gpu-b.test:8188/history/${prompt_id}`)).json()
    expect(history[prompt_id].status.status_str).toBe('success')

    cluster.model('http://gpu-a.test:8188').setFault({ kind: 'refuse' })
    await expect(fetch('http://gpu-a.test:8188/prompt')).rejects.toThrow(TypeError)
  } finally {
    server.close()
  }
})
