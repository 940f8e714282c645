import { describe, expect, it } from 'vitest'
import { comfyCalls, listen } from './client-calls.js'
import { useGateway } from './gateway-harness.js'

/** Uploads through the gateway: kept there, put on the server a prompt that names them runs on. */
const startGateway = useGateway()
const ALICE = 'alice-token-0001'
const BOB = 'bob-token-0002'
const loadAndSave = (image: string) => ({
  '1': { class_type: 'LoadImage', inputs: { image } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'up' } },
})
const done = (id: string) => (m: { type: string; data: Record<string, unknown> }) =>
  m.type === 'executing' && m.data.node === null && m.data.prompt_id === id

async function upload(
  base: string,
  token: string,
  name: string,
  bytes: string,
  fields: Record<string, string> = {},
) {
  const form = new FormData()
  form.set('image', new Blob([bytes]), name)
  for (const [key, value] of Object.entries(fields)) form.set(key, value)
  const response = await fetch(`${base}/upload/image`, {
    method: 'POST',
    body: form,
    headers: { Authorization: `Bearer ${token}` },
  })
  return { status: response.status, body: response.status === 200 ? await response.json() : undefined }
}

describe('uploads through the gateway', () => {
  it('names an upload as ComfyUI does and puts it on the server its prompt runs on, first', async () => {
    const { url, cluster } = await startGateway([{}, {}, {}], { tokens: [ALICE, BOB] })
    expect(await upload(url, ALICE, 'cat.png', 'one')).toEqual({
      status: 200,
      body: { name: 'cat.png', subfolder: '', type: 'input' },
    })
    expect((await upload(url, ALICE, 'cat.png', 'two')).body.name).toBe('cat (1).png')
    expect((await upload(url, ALICE, 'cat.png', 'one')).body.name).toBe('cat.png')
    // Nothing reached a server yet.
    expect(cluster.sims.every((sim) => !sim.model.files.has('cat.png', '', 'input'))).toBe(true)
    const alice = comfyCalls(url, ALICE)
    const socket = await listen(url, 'a1', ALICE)
    try {
      const posted = await alice.post('/prompt', { prompt: loadAndSave('cat (1).png'), client_id: 'a1' })
      expect(posted.status).toBe(200)
      const id = posted.body!.prompt_id as string
      await socket.until(done(id))
      const entry = (await alice.get(`/history/${id}`)).body![id]
      expect(entry.status.status_str).toBe('success')
      const ranOn = cluster.sims.filter((sim) => sim.log.some((run) => run.promptId === id))
      expect(ranOn).toHaveLength(1)
      expect(ranOn[0]!.model.files.has('cat (1).png', '', 'input')).toBe(true)
      expect(cluster.sims.filter((sim) => sim.model.files.has('cat (1).png', '', 'input'))).toHaveLength(1)
    } finally {
      socket.close()
    }
  })

  it("refuses a prompt naming an image nobody uploaded — or another caller's upload", async () => {
    const { url } = await startGateway([{}], { tokens: [ALICE, BOB] })
    await upload(url, ALICE, 'secret.png', 'mine')
    const bob = comfyCalls(url, BOB)
    const refused = await bob.post('/prompt', { prompt: loadAndSave('secret.png') })
    expect(refused.status).toBe(400)
    expect(refused.body!.node_errors['1'].errors[0]).toMatchObject({
      type: 'custom_validation_failed',
      details: 'image - Invalid image file: secret.png',
    })
    // The image every ComfyUI ships in its input folder is fine.
    expect((await bob.post('/prompt', { prompt: loadAndSave('example.png') })).status).toBe(200)
    expect((await upload(url, BOB, 'x.png', 'x', { subfolder: '../../etc' })).status).toBe(400)
  })
})
