import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type ComfySim, startComfySim } from '../server'

/**
 * A client written the way ComfyUI's own `script_examples/websockets_api_example.py` is: a `ws`
 * socket with its `clientId`, `POST /prompt` with that `client_id`, read messages until `executing`
 * with `node: null` for the prompt (binary frames skipped), then `GET /history/{id}` and every
 * output image through `GET /view`. The simulator is held to what such existing clients need.
 */
const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

/** The text-to-image graph of the example script, as an API-format prompt. */
const examplePrompt = {
  '3': {
    class_type: 'KSampler',
    inputs: {
      cfg: 8,
      denoise: 1,
      latent_image: ['5', 0],
      model: ['4', 0],
      negative: ['7', 0],
      positive: ['6', 0],
      sampler_name: 'euler',
      scheduler: 'normal',
      seed: 8566257,
      steps: 20,
    },
  },
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' } },
  '5': { class_type: 'EmptyLatentImage', inputs: { batch_size: 1, height: 512, width: 512 } },
  '6': { class_type: 'CLIPTextEncode', inputs: { clip: ['4', 1], text: 'masterpiece best quality girl' } },
  '7': { class_type: 'CLIPTextEncode', inputs: { clip: ['4', 1], text: 'bad hands' } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
}

/** `get_images(ws, prompt)` of the example: queue, wait on the socket, read history and images. */
async function getImages(base: string, ws: WebSocket, clientId: string): Promise<Record<string, Buffer[]>> {
  const executed = new Promise<string>((resolve, reject) => {
    let promptId: string | undefined
    const pending: Array<Record<string, unknown>> = []
    const check = (message: { type: string; data: Record<string, unknown> }) => {
      if (promptId === undefined) {
        pending.push(message)
        return
      }
      if (message.type === 'executing' && message.data.node === null && message.data.prompt_id === promptId)
        resolve(promptId)
    }
    ws.on('message', (data, isBinary) => {
      if (isBinary) return // previews
      check(JSON.parse(String(data)) as { type: string; data: Record<string, unknown> })
    })
    ws.on('error', reject)
    fetch(`${base}/prompt`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: examplePrompt, client_id: clientId }),
    })
      .then(async (response) => {
        expect(response.status).toBe(200)
        promptId = ((await response.json()) as { prompt_id: string }).prompt_id
        for (const message of pending.splice(0)) check(message as never)
      })
      .catch(reject)
  })
  const promptId = await executed
  const history = (await (await fetch(`${base}/history/${promptId}`)).json()) as Record<
    string,
    { outputs: Record<string, { images?: Array<{ filename: string; subfolder: string; type: string }> }> }
  >
  const images: Record<string, Buffer[]> = {}
  for (const [nodeId, output] of Object.entries(history[promptId]!.outputs)) {
    images[nodeId] = []
    for (const image of output.images ?? []) {
      const query = new URLSearchParams({
        filename: image.filename,
        subfolder: image.subfolder,
        type: image.type,
      })
      const response = await fetch(`${base}/view?${query}`)
      expect(response.status).toBe(200)
      images[nodeId].push(Buffer.from(await response.arrayBuffer()))
    }
  }
  return images
}

describe("a client written like ComfyUI's websockets_api_example.py", () => {
  it('queues the example graph, follows /ws to the end, and fetches the saved image', async () => {
    const sim = await startComfySim({ timeScale: 0.01, defaultWorkMs: 2_000 })
    sims.push(sim)
    const clientId = randomUUID()
    const ws = new WebSocket(`ws://127.0.0.1:${sim.port}/ws?clientId=${clientId}`)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    try {
      const images = await getImages(sim.url, ws, clientId)
      // One SaveImage output, one PNG.
      expect(Object.keys(images)).toEqual(['9'])
      expect(images['9']).toHaveLength(1)
      expect(images['9']![0]!.subarray(1, 4).toString()).toBe('PNG')
    } finally {
      ws.close()
    }
  })
})
