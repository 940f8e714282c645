import { createNodeTransport } from '@comfy-balancer/core/node'
import { startComfySim } from '@comfy-balancer/testkit/sim'

/** A typical text-to-image graph in API format (seven nodes), as the stock frontend submits it. */
function txt2img(seed: number): Record<string, unknown> {
  return {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
    '6': {
      class_type: 'CLIPTextEncode',
      inputs: { text: 'a lighthouse on a cliff at dusk, volumetric light, 35mm', clip: ['4', 1] },
    },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry, low quality, watermark', clip: ['4', 1] } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed,
        steps: 30,
        cfg: 7,
        sampler_name: 'dpmpp_2m',
        scheduler: 'karras',
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  }
}

/**
 * Bytes one probe round reads with `pending` prompts queued: `GET /queue` (every graph), `GET /prompt`
 * (the count), and a pushed `status` message (sent only when the queue changes; no polling at all).
 */
export async function measureProbeBytes(
  pending: number,
): Promise<{ queue: number; prompt: number; ws: number }> {
  const sim = await startComfySim({ defaultWorkMs: 3_600_000 })
  const transport = createNodeTransport()
  try {
    for (let i = 0; i < pending; i++)
      sim.model.submit({ prompt: txt2img(i), client_id: 'bench', extra_data: {} })
    const size = async (path: string) =>
      (await (await transport.fetch(`${sim.url}${path}`)).arrayBuffer()).byteLength
    const queue = await size('/queue')
    const prompt = await size('/prompt')
    const ws = await new Promise<number>((resolve, reject) => {
      const socket = transport.webSocket(`${sim.wsUrl}?clientId=bench`, {})
      const timer = setTimeout(() => reject(new Error('no status message')), 5_000)
      socket.addEventListener('message', (event) => {
        clearTimeout(timer)
        socket.close()
        resolve(Buffer.byteLength(String(event.data)))
      })
    })
    return { queue, prompt, ws }
  } finally {
    await transport.close()
    await sim.close()
  }
}
