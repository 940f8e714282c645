import { describe, expect, it } from 'vitest'
import { useGateway } from './gateway-harness.js'

/** Request bodies and uploads over the gateway's limit are refused with a 413, as ComfyUI does. */
const startGateway = useGateway()

describe('body and upload limits', () => {
  it('refuses a prompt body or an upload larger than bodyLimitBytes, and takes smaller ones', async () => {
    const { url, cluster } = await startGateway([{}], { bodyLimitBytes: 4_096 })
    const big = { prompt: { '1': { class_type: 'SimWork', inputs: { ms: 10, note: 'x'.repeat(8_000) } } } }
    const refused = await fetch(`${url}/prompt`, { method: 'POST', body: JSON.stringify(big) })
    expect(refused.status).toBe(413)
    const form = new FormData()
    form.set('image', new Blob([new Uint8Array(8_000)]), 'big.png')
    expect((await fetch(`${url}/upload/image`, { method: 'POST', body: form })).status).toBe(413)
    const small = new FormData()
    small.set('image', new Blob([new Uint8Array(100)]), 'small.png')
    expect((await fetch(`${url}/upload/image`, { method: 'POST', body: small })).status).toBe(200)
    // Nothing of the refused requests reached a server.
    expect(cluster.sims[0]!.log).toEqual([])
  })
})
