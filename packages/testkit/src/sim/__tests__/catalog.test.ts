import { setupServer } from 'msw/node'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestClock } from '../../clock'
import type { CatalogOptions } from '../../model/catalog'
import { createMswCluster } from '../../msw/cluster'
import { type ComfySim, startComfySim } from '../server'

/**
 * The catalog routes as ComfyUI's server.py answers them (`/object_info`, `/object_info/{class}`,
 * `/models`, `/models/{folder}`, `/embeddings`, `/extensions`, `/features`, each also under `/api`),
 * on the real HTTP simulator and the msw model alike.
 */
const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

const catalog: CatalogOptions = {
  nodes: {
    FancySampler: {
      required: { model: ['MODEL'], steps: ['INT', { default: 20, min: 1, max: 100 }] },
      outputs: ['LATENT'],
      category: 'custom',
    },
    UpscaleModelLoader: false,
  },
  models: {
    checkpoints: ['flux1-dev.safetensors', 'sd_xl_base_1.0.safetensors'],
    loras: ['detail.safetensors'],
  },
  embeddings: ['easynegative.safetensors', 'bad_hands.pt'],
  extensions: ['/extensions/fancy/fancy.js'],
}

/** Every catalog answer of a server at `base`, as status and body text. */
async function readCatalog(base: string): Promise<Record<string, [number, unknown]>> {
  const paths = [
    '/object_info/CheckpointLoaderSimple',
    '/object_info/FancySampler',
    '/object_info/UpscaleModelLoader',
    '/object_info/NoSuchNode',
    '/models',
    '/models/checkpoints',
    '/models/loras',
    '/models/no_such_folder',
    '/embeddings',
    '/extensions',
    '/features',
    '/api/models/checkpoints',
  ]
  const out: Record<string, [number, unknown]> = {}
  for (const path of paths) {
    const response = await fetch(`${base}${path}`)
    const text = await response.text()
    out[path] = [response.status, text === '' ? '' : JSON.parse(text)]
  }
  return out
}

describe('catalog routes', () => {
  it('serve what the server has, in ComfyUI’s shapes, on the HTTP simulator', async () => {
    const sim = await startComfySim({ catalog })
    sims.push(sim)
    const answers = await readCatalog(sim.url)
    expect(answers['/object_info/CheckpointLoaderSimple']).toEqual([
      200,
      {
        CheckpointLoaderSimple: expect.objectContaining({
          input: { required: { ckpt_name: [['flux1-dev.safetensors', 'sd_xl_base_1.0.safetensors']] } },
          input_order: { required: ['ckpt_name'] },
          output: ['MODEL', 'CLIP', 'VAE'],
          output_is_list: [false, false, false],
          output_name: ['MODEL', 'CLIP', 'VAE'],
          name: 'CheckpointLoaderSimple',
          python_module: 'nodes',
          output_node: false,
        }),
      },
    ])
    expect(answers['/object_info/FancySampler']?.[1]).toMatchObject({
      FancySampler: {
        input: { required: { steps: ['INT', { default: 20, min: 1, max: 100 }] } },
        category: 'custom',
      },
    })
    // Unknown (or removed) classes answer `{}`, not a 404; unknown folders a bare 404.
    expect(answers['/object_info/UpscaleModelLoader']).toEqual([200, {}])
    expect(answers['/object_info/NoSuchNode']).toEqual([200, {}])
    expect(answers['/models/no_such_folder']).toEqual([404, ''])
    expect(answers['/models']?.[1]).toEqual(
      expect.arrayContaining(['checkpoints', 'loras', 'vae', 'embeddings']),
    )
    expect(answers['/models/checkpoints']).toEqual([
      200,
      ['flux1-dev.safetensors', 'sd_xl_base_1.0.safetensors'],
    ])
    expect(answers['/api/models/checkpoints']).toEqual(answers['/models/checkpoints'])
    expect(answers['/models/loras']).toEqual([200, ['detail.safetensors']])
    expect(answers['/embeddings']).toEqual([200, ['easynegative', 'bad_hands']])
    expect(answers['/extensions']).toEqual([200, ['/extensions/fancy/fancy.js']])
    expect(answers['/features']).toEqual([
      200,
      { supports_preview_metadata: true, max_upload_size: 104_857_600 },
    ])

    // The whole catalog in one request, every class with its model lists filled in.
    const before = sim.requestCounts.catalog
    const all = (await (await fetch(`${sim.url}/object_info`)).json()) as Record<
      string,
      { output_node: boolean }
    >
    expect(sim.requestCounts.catalog).toBe(before + 1)
    expect(Object.keys(all)).toEqual(
      expect.arrayContaining(['SimWork', 'KSampler', 'EmptyImage', 'PreviewImage']),
    )
    expect(all.FancySampler).toBeDefined()
    expect(all.UpscaleModelLoader).toBeUndefined()
    expect(all.PreviewImage?.output_node).toBe(true)
  })

  it('answer the same from the msw model', async () => {
    const sim = await startComfySim({ catalog })
    sims.push(sim)
    const fromSim = await readCatalog(sim.url)
    const cluster = createMswCluster([{ url: 'http://gpu-a.test:8188', catalog }], createTestClock())
    const server = setupServer(...cluster.handlers)
    server.listen({ onUnhandledRequest: 'error' })
    try {
      expect(await readCatalog('http://gpu-a.test:8188')).toEqual(fromSim)
    } finally {
      server.close()
    }
  })

  it('default to ComfyUI’s core loaders and nodes, with a few model files', () => {
    const cluster = createMswCluster([{ url: 'http://gpu-a.test:8188' }], createTestClock())
    const model = cluster.models.get('http://gpu-a.test:8188')!
    expect(model.catalog.nodeClasses).toEqual(
      expect.arrayContaining([
        'CheckpointLoaderSimple',
        'LoraLoader',
        'VAELoader',
        'UNETLoader',
        'SaveImage',
        'SimWork',
      ]),
    )
    expect(model.catalog.files('checkpoints')).toEqual([
      'sd_xl_base_1.0.safetensors',
      'v1-5-pruned-emaonly.safetensors',
    ])
    expect(model.catalog.files('nope')).toBeUndefined()
  })

  it('refuse a prompt naming a class the server lacks with ComfyUI’s 400, and queue nothing', async () => {
    const sim = await startComfySim({
      catalog: { nodes: { FancyOutput: { required: {}, outputNode: true } } },
    })
    sims.push(sim)
    const post = (prompt: unknown) =>
      fetch(`${sim.url}/prompt`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt }),
      })
    const queued = async () =>
      ((await (await fetch(`${sim.url}/prompt`)).json()) as { exec_info: { queue_remaining: number } })
        .exec_info.queue_remaining
    const refused = await post({
      '1': { class_type: 'SimWork', inputs: { ms: 60_000 } },
      '2': { class_type: 'NotInstalled', inputs: {}, _meta: { title: 'My node' } },
    })
    expect(refused.status).toBe(400)
    expect(await refused.json()).toEqual({
      error: {
        type: 'missing_node_type',
        message: "Node 'My node' not found. The custom node may not be installed.",
        details: "Node ID '#2'",
        extra_info: { node_id: '2', class_type: 'NotInstalled', node_title: 'My node' },
      },
      node_errors: {},
    })
    expect(await queued()).toBe(0)
    // A class the catalog adds runs, and an output node of its own counts as the prompt's output.
    const accepted = await post({ '1': { class_type: 'FancyOutput', inputs: {} } })
    expect(accepted.status).toBe(200)
    expect(sim.model.log).toHaveLength(1)
  })
})
