import WebSocket from 'ws'

/** The text-to-image graph of ComfyUI's `script_examples/websockets_api_example.py`, API format. */
export const EXAMPLE_PROMPT = {
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

/** What the example client saw: the prompt id, each message type in order, and each output's images. */
export interface ExampleRun {
  readonly promptId: string
  readonly messageTypes: readonly string[]
  readonly binaryFrames: number
  readonly images: Readonly<Record<string, Buffer[]>>
}

/**
 * A client written the way ComfyUI's own `websockets_api_example.py` is: a `ws` socket with its
 * `clientId`, `POST /prompt` with that `client_id`, messages read until `executing` with
 * `node: null` for the prompt (binary frames counted and skipped), then `GET /history/{id}` and
 * every output image through `GET /view`. `headers` go on every request (a gateway's token).
 * Throws, naming the step, on anything such a client would choke on.
 */
export async function runExampleClient(
  base: string,
  options: { prompt?: Record<string, unknown>; headers?: Record<string, string>; clientId?: string } = {},
): Promise<ExampleRun> {
  const clientId = options.clientId ?? crypto.randomUUID()
  const headers = options.headers ?? {}
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?clientId=${clientId}`, { headers })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  try {
    const seen: Array<{ type: string; data: Record<string, unknown> }> = []
    let binaryFrames = 0
    let promptId: string | undefined
    const done = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (seen.some((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId))
          resolve()
      }
      ws.on('message', (data, isBinary) => {
        if (isBinary) binaryFrames += 1
        else seen.push(JSON.parse(String(data)) as { type: string; data: Record<string, unknown> })
        if (promptId !== undefined) check()
      })
      ws.on('error', reject)
      fetch(`${base}/prompt`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ prompt: options.prompt ?? EXAMPLE_PROMPT, client_id: clientId }),
      })
        .then(async (response) => {
          const body = (await response.json()) as { prompt_id?: string }
          if (response.status !== 200 || body.prompt_id === undefined)
            throw new Error(`POST /prompt answered ${response.status}: ${JSON.stringify(body)}`)
          promptId = body.prompt_id
          check()
        })
        .catch(reject)
    })
    await done
    const id = promptId as string
    const history = (await (await fetch(`${base}/history/${id}`, { headers })).json()) as Record<
      string,
      { outputs: Record<string, { images?: Array<{ filename: string; subfolder: string; type: string }> }> }
    >
    const entry = history[id]
    if (entry === undefined) throw new Error(`GET /history/${id} has no entry once executing: null came`)
    const images: Record<string, Buffer[]> = {}
    for (const [nodeId, output] of Object.entries(entry.outputs)) {
      images[nodeId] = []
      for (const image of output.images ?? []) {
        const query = new URLSearchParams({
          filename: image.filename,
          subfolder: image.subfolder,
          type: image.type,
        })
        const response = await fetch(`${base}/view?${query}`, { headers })
        if (response.status !== 200) throw new Error(`GET /view?${query} answered ${response.status}`)
        images[nodeId].push(Buffer.from(await response.arrayBuffer()))
      }
    }
    const messageTypes = seen.filter((m) => m.data?.prompt_id === id).map((m) => m.type)
    return { promptId: id, messageTypes, binaryFrames, images }
  } finally {
    ws.close()
  }
}
