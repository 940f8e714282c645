import { describe, expect, it } from 'vitest'
import { comfyCalls, listen } from './client-calls.js'
import { useGateway } from './gateway-harness.js'

/** The fleet as one ComfyUI: info routes merged over servers with different catalogs, and validation. */
const startGateway = useGateway()
const custom = { required: { image: ['IMAGE'] as const }, outputs: ['IMAGE'], category: 'custom' }
const specs = [
  { name: 'a', catalog: { models: { checkpoints: ['a.safetensors'] } } },
  { name: 'b', catalog: { models: { checkpoints: ['b.safetensors'] }, nodes: { FancyUpscale: custom } } },
]
const render = (ckpt: string) => ({
  '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
  '2': { class_type: 'SimWork', inputs: { ms: 10, model: ['1', 0] } },
})

describe('the fleet’s info routes and validation', () => {
  it('answers /object_info, /models and /system_stats for the whole fleet, at / and /api/', async () => {
    const { url } = await startGateway(specs)
    const client = comfyCalls(url)
    for (const prefix of ['', '/api']) {
      const info = (await client.get(`${prefix}/object_info`)).body!
      expect(info.FancyUpscale).toBeDefined()
      expect(info.CheckpointLoaderSimple.input.required.ckpt_name[0]).toEqual([
        'a.safetensors',
        'b.safetensors',
      ])
      expect((await client.get(`${prefix}/object_info/FancyUpscale`)).body).toEqual({
        FancyUpscale: info.FancyUpscale,
      })
      expect((await client.get(`${prefix}/object_info/NoSuchNode`)).body).toEqual({})
      expect((await client.get(`${prefix}/models/checkpoints`)).body).toEqual([
        'a.safetensors',
        'b.safetensors',
      ])
      expect((await client.get(`${prefix}/models/no-such-folder`)).status).toBe(404)
    }
    const stats = (await client.get('/system_stats')).body!
    expect(stats.devices).toHaveLength(2)
    expect(stats.system.argv).toEqual([])
    const features = (await client.get('/features')).body!
    expect(features.supports_preview_metadata).toBe(false)
  })

  it('refuses a broken workflow with ComfyUI’s 400 before any server sees it', async () => {
    const { url, cluster } = await startGateway(specs)
    const client = comfyCalls(url)
    const unknown = await client.post('/prompt', {
      prompt: { '1': { class_type: 'NoSuchNode', inputs: {} } },
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body!.error.type).toBe('missing_node_type')
    const missingFile = await client.post('/prompt', { prompt: render('nowhere.safetensors') })
    expect(missingFile.status).toBe(400)
    expect(missingFile.body!.error.type).toBe('prompt_outputs_failed_validation')
    expect(missingFile.body!.node_errors['1'].errors[0].type).toBe('value_not_in_list')
    // A model only server b has is valid for the fleet, and runs there.
    const socket = await listen(url, 'v1')
    const fine = await client.post('/prompt', { prompt: render('b.safetensors'), client_id: 'v1' })
    expect(fine.status).toBe(200)
    await socket.until(
      (m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === fine.body!.prompt_id,
    )
    socket.close()
    expect(cluster.sims.map((sim) => sim.log.length)).toEqual([0, 1])
    // The refused prompts never became jobs: nothing queued, nothing in history but the good one.
    expect(Object.keys((await client.get('/history')).body!)).toEqual([fine.body!.prompt_id])
  })
})
