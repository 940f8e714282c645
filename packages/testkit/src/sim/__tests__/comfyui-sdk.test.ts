import { CallWrapper, ComfyApi, PromptBuilder } from '@saintno/comfyui-sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestClock } from '../../clock'
import { type ComfySim, startComfySim } from '../server'

/**
 * A third-party client, `@saintno/comfyui-sdk` (pinned), driving the real HTTP + WebSocket simulator
 * as its users drive ComfyUI: `init()` (ping, `/system_stats`, feature probes through
 * `/object_info/{class}`, `/ws`), a workflow through `PromptBuilder` and `CallWrapper` (whose
 * callbacks follow the job over the socket and fall back to `/queue` and `/history`), history, the
 * image through `/view`, and `interrupt()`. The simulator is held to what such a client needs.
 *
 * The CallWrapper only starts listening for a prompt once `POST /prompt` has answered, as ComfyUI's
 * own ordering allows (its messages go out through `publish_loop`, after the response): the servers
 * here run with `publishLoop`. Nothing waits on wall-clock time: the job's work waits on a test clock
 * until the client is seen (through its `log` events) to be listening, and every other wait is on an
 * SDK event or promise.
 */
const sims: ComfySim[] = []
const apis: ComfyApi[] = []
afterEach(async () => {
  // The SDK's socket and its inactivity timer go first, so no reconnect starts against a closed server.
  for (const api of apis.splice(0)) api.destroy()
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

type Workflow = Record<
  string,
  { class_type: string; inputs: Record<string, unknown>; _meta: { title: string } }
>

const node = (class_type: string, inputs: Record<string, unknown>) => ({
  class_type,
  inputs,
  _meta: { title: class_type },
})

/** `ms` of simulated GPU work on `SimWork`, whose image `SaveImage` stores as `sdk_…png`. */
const workThenSave = (ms: number): Workflow => ({
  '1': node('SimWork', { ms }),
  '2': node('SaveImage', { images: ['1', 0], filename_prefix: 'sdk' }),
})

async function startSim(options: Parameters<typeof startComfySim>[0] = {}): Promise<ComfySim> {
  const sim = await startComfySim({ publishLoop: true, ...options })
  sims.push(sim)
  return sim
}

/** `new ComfyApi(url).init()`, resolved once its socket is open and its feature probes are done. */
async function connect(sim: ComfySim): Promise<ComfyApi> {
  const api = new ComfyApi(sim.url)
  apis.push(api)
  const connected = new Promise<void>((resolve) => {
    const off = api.on('connected', () => {
      off()
      resolve()
    })
  })
  api.init()
  await connected
  return api.waitForReady()
}

/**
 * Resolves when the client adds a listener for this event type (it logs every `on()` first). The
 * CallWrapper adds `execution_interrupted` last, once it has read `/history` after the job's first
 * `executing`: from then on it follows the job's messages.
 */
function listening(api: ComfyApi, type: string): Promise<void> {
  return new Promise((resolve) => {
    const off = api.on('log', (event) => {
      const detail = event.detail as unknown as { fnName?: string; data?: { type?: string } }
      if (detail.fnName !== 'on' || detail.data?.type !== type) return
      off()
      resolve()
    })
  })
}

describe('@saintno/comfyui-sdk 0.3.1 against the simulator', () => {
  it('init() finds the server, opens /ws and reads the catalog through the SDK', async () => {
    const sim = await startSim()
    const api = await connect(sim)
    expect(sim.wsClients).toBe(1)
    // Its extension probes (ComfyUI-Manager, Crystools) find a stock server without them.
    expect(api.availableFeatures).toEqual({ manager: false, monitor: false })
    expect(await api.getCheckpoints()).toEqual([
      'sd_xl_base_1.0.safetensors',
      'v1-5-pruned-emaonly.safetensors',
    ])
    expect((await api.getSamplerInfo()).sampler).toEqual([
      ['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde', 'ddim'],
    ])
    expect(await api.getNodeDefs('NoSuchNode')).toBeNull()
    expect(await api.getModelTypes()).toEqual(expect.arrayContaining(['checkpoints', 'loras', 'vae']))
    expect(await api.getModels('vae')).toEqual(['sdxl_vae.safetensors'])
    expect(await api.getEmbeddings()).toEqual([])
    expect(await api.getExtensions()).toEqual([])
    expect(await api.getFeatures()).toMatchObject({ supports_preview_metadata: true })
    expect((await api.getSystemStats()).system).toMatchObject({ os: 'linux', comfyui_version: '0.26.0' })
    expect(await api.getQueue()).toEqual({ queue_running: [], queue_pending: [] })
  })

  it('runs a workflow with CallWrapper: its callbacks, the history entry and the saved image', async () => {
    const clock = createTestClock()
    const sim = await startSim({ clock })
    const api = await connect(sim)
    const builder = new PromptBuilder(workThenSave(60_000), [], ['images']).setOutputNode('images', '2')
    const calls: Array<[string, ...unknown[]]> = []
    const followed = listening(api, 'execution_interrupted')
    const run = new CallWrapper(api, builder)
      .onPending((promptId) => calls.push(['pending', promptId]))
      .onStart((promptId) => calls.push(['start', promptId]))
      .onProgress((info, promptId) => calls.push(['progress', info, promptId]))
      .onOutput((key, data, promptId) => calls.push(['output', key, data, promptId]))
      .onFinished((data, promptId) => calls.push(['finished', data, promptId]))
      .onFailed((error, promptId) => calls.push(['failed', error, promptId]))
      .run()
    await followed
    expect(calls.map(([name]) => name)).toEqual(['pending'])
    const promptId = calls[0]![1] as string
    expect(sim.model.jobStatus(promptId)?.status).toBe('in_progress')

    await clock.advance(60_000)
    const result = await run
    const simWorkImage = { filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }
    const savedImage = { filename: 'sdk_00001_.png', subfolder: '', type: 'output' }
    // The mapped output under its key; SimWork's own image (an output node too) under `_raw`.
    const outputs = { images: { images: [savedImage] }, _raw: { '1': { images: [simWorkImage] } } }
    expect(result).toEqual(outputs)
    expect(calls).toEqual([
      ['pending', promptId],
      ['start', promptId],
      ['progress', { value: 1, max: 1, prompt_id: promptId, node: '1' }, promptId],
      ['output', '1', { images: [simWorkImage] }, promptId],
      ['output', 'images', { images: [savedImage] }, promptId],
      ['finished', outputs, promptId],
    ])

    const entry = await api.getHistory(promptId)
    expect(entry?.status).toMatchObject({ status_str: 'success', completed: true })
    expect(entry?.outputs).toEqual({ '1': { images: [simWorkImage] }, '2': { images: [savedImage] } })
    expect(entry?.prompt[1]).toBe(promptId)
    expect(entry?.prompt[3]).toMatchObject({ client_id: api.id })
    expect(Object.keys(await api.getHistories())).toEqual([promptId])

    const image = await api.getImage(savedImage)
    expect(image.type).toBe('image/png')
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG')
  })

  it('reports a job stopped by api.interrupt() as ExecutionInterruptedError, as history does', async () => {
    const clock = createTestClock()
    const sim = await startSim({ clock })
    const api = await connect(sim)
    const builder = new PromptBuilder(workThenSave(3_600_000), [], ['images']).setOutputNode('images', '2')
    const failures: Array<[Error, string | undefined]> = []
    let finished = false
    let promptId: string | undefined
    const followed = listening(api, 'execution_interrupted')
    const run = new CallWrapper(api, builder)
      .onPending((id) => {
        promptId = id
      })
      .onFinished(() => {
        finished = true
      })
      .onFailed((error, id) => failures.push([error, id]))
      .run()
    await followed
    await api.interrupt()
    expect(await run).toBe(false)
    expect(finished).toBe(false)
    expect(failures).toHaveLength(1)
    const [error, failedId] = failures[0]!
    expect(failedId).toBe(promptId)
    expect(error.name).toBe('ExecutionInterruptedError')
    expect(error.message).toBe('The execution was interrupted!')
    // The cause is ComfyUI's `execution_interrupted` message: the node it stopped in, none executed.
    expect(error.cause).toEqual({
      prompt_id: promptId,
      node_id: '1',
      node_type: 'SimWork',
      executed: [],
      timestamp: expect.any(Number),
    })

    const entry = await api.getHistory(promptId!)
    expect(entry?.status).toMatchObject({ status_str: 'error', completed: false })
    expect(entry?.status.messages.map(([type]) => type)).toEqual([
      'execution_start',
      'execution_cached',
      'execution_interrupted',
    ])
    expect(entry?.outputs).toEqual({})
    expect(await api.getQueue()).toEqual({ queue_running: [], queue_pending: [] })
    expect(sim.log.map((run) => run.outcome)).toEqual(['interrupted'])
  })

  it('finishes a job that ends at once on an idle server: its messages come after the POST /prompt answer', async () => {
    // Without publishLoop the whole job, `status` included, would reach the socket before the
    // response, and this run() would never settle (the CallWrapper had not yet started listening).
    const sim = await startSim()
    const api = await connect(sim)
    const workflow: Workflow = {
      '1': node('EmptyImage', { width: 8, height: 8, batch_size: 1, color: 0 }),
      '2': node('SaveImage', { images: ['1', 0], filename_prefix: 'quick' }),
    }
    const finished: unknown[] = []
    const result = await new CallWrapper(
      api,
      new PromptBuilder(workflow, [], ['images']).setOutputNode('images', '2'),
    )
      .onFinished((data) => finished.push(data))
      .run()
    const images = { images: [{ filename: 'quick_00001_.png', subfolder: '', type: 'output' }] }
    expect(result).toMatchObject({ images })
    expect(finished).toContainEqual(expect.objectContaining({ images }))
  })
})
