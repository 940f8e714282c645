import { CallWrapper, ComfyApi, PromptBuilder } from '@saintno/comfyui-sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { useGateway } from './gateway-harness.js'

/**
 * `@saintno/comfyui-sdk` (pinned 0.3.1), unchanged, pointed at the gateway over four simulated
 * servers: `init()`, a `CallWrapper` run with its callbacks, history, `/view`, and `interrupt()` —
 * as its tests against one simulated server do (testkit's `comfyui-sdk.test.ts`).
 */
const startGateway = useGateway()
const apis: ComfyApi[] = []
afterEach(() => {
  for (const api of apis.splice(0)) api.destroy()
})

const node = (class_type: string, inputs: Record<string, unknown>) => ({
  class_type,
  inputs,
  _meta: { title: class_type },
})
const workThenSave = (ms: number) => ({
  '1': node('SimWork', { ms }),
  '2': node('SaveImage', { images: ['1', 0], filename_prefix: 'sdk' }),
})

async function connect(url: string): Promise<ComfyApi> {
  const api = new ComfyApi(url)
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

/** Resolves when the CallWrapper listens for `type` (it logs every `on()`): it follows the job then. */
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

describe('@saintno/comfyui-sdk 0.3.1 through the gateway', () => {
  it('init() finds the fleet as one server and reads its catalog', async () => {
    const { url } = await startGateway()
    const api = await connect(url)
    expect(api.availableFeatures).toEqual({ manager: false, monitor: false })
    expect(await api.getCheckpoints()).toEqual([
      'sd_xl_base_1.0.safetensors',
      'v1-5-pruned-emaonly.safetensors',
    ])
    expect(await api.getNodeDefs('NoSuchNode')).toBeNull()
    expect(await api.getModels('vae')).toEqual(['sdxl_vae.safetensors'])
    expect((await api.getSystemStats()).devices).toHaveLength(4)
    expect(await api.getQueue()).toEqual({ queue_running: [], queue_pending: [] })
  })

  it('runs a workflow with CallWrapper: callbacks in order, history and the saved image', async () => {
    const { url } = await startGateway()
    const api = await connect(url)
    const builder = new PromptBuilder(workThenSave(4_000), [], ['images']).setOutputNode('images', '2')
    const calls: string[] = []
    const result = await new CallWrapper(api, builder)
      .onPending(() => calls.push('pending'))
      .onStart(() => calls.push('start'))
      .onProgress(() => calls.push('progress'))
      .onOutput((key) => calls.push(`output ${key}`))
      .onFinished(() => calls.push('finished'))
      .onFailed((error) => calls.push(`failed ${error.message}`))
      .run()
    // The same callbacks, in the same order, as against one simulated server.
    expect(calls).toEqual(['pending', 'start', 'progress', 'output 1', 'output images', 'finished'])
    const saved = (
      result as { images: { images: Array<{ filename: string; subfolder: string; type: string }> } }
    ).images.images[0]!
    const histories = await api.getHistories()
    const [promptId] = Object.keys(histories)
    const entry = await api.getHistory(promptId!)
    expect(entry?.status).toMatchObject({ status_str: 'success', completed: true })
    expect(entry?.prompt[3]).toMatchObject({ client_id: api.id })
    const image = await api.getImage(saved)
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG')
  })

  it('reports a job stopped by api.interrupt() as ExecutionInterruptedError', async () => {
    const { url, cluster } = await startGateway()
    const api = await connect(url)
    const builder = new PromptBuilder(workThenSave(3_600_000), [], ['images']).setOutputNode('images', '2')
    const failures: Error[] = []
    const followed = listening(api, 'execution_interrupted')
    const run = new CallWrapper(api, builder).onFailed((error) => failures.push(error)).run()
    await followed
    await api.interrupt()
    expect(await run).toBe(false)
    expect(failures.map((error) => error.name)).toEqual(['ExecutionInterruptedError'])
    expect(await api.getQueue()).toEqual({ queue_running: [], queue_pending: [] })
    expect(cluster.sims.flatMap((sim) => sim.log.map((entry) => entry.outcome))).toEqual(['interrupted'])
  })
})
