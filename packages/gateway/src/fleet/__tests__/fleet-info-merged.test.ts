import { TEST_AUTH_HEADERS, TEST_SECRETS, withTestCredentials } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { FleetInfo } from '../fleet-info'
import { errorLog, serversOf, useFleet } from './fleet-sims'

/** The fleet info routes over real HTTP, against two simulated ComfyUI servers that differ. */
const startFleet = useFleet()

function requiredOf(info: Record<string, unknown> | undefined): Record<string, unknown> {
  return ((info?.input ?? {}) as { required?: Record<string, unknown> }).required ?? {}
}

describe('FleetInfo against simulated servers', () => {
  it('answers /object_info and /object_info/{class} as one ComfyUI', async () => {
    const cluster = await startFleet()
    const log = errorLog()
    const fleet = new FleetInfo({ servers: serversOf(cluster), onError: log.onError })

    const info = await fleet.objectInfo()
    // gpu-a's classes (with FancySampler and UpscaleModelLoader), then gpu-b's FaceDetailer.
    expect(Object.keys(info)).toEqual(
      expect.arrayContaining(['FancySampler', 'UpscaleModelLoader', 'FaceDetailer']),
    )
    expect(Object.keys(info).at(-1)).toBe('FaceDetailer')
    expect(requiredOf(info.CheckpointLoaderSimple).ckpt_name).toEqual([
      ['sd_xl_base_1.0.safetensors', 'a-only.safetensors', 'flux1-dev.safetensors'],
    ])
    expect(requiredOf(info.FaceDetailer).bbox_model).toEqual([['face_yolov8m.pt']])
    expect(requiredOf(info.KSampler).sampler_name).toEqual([
      ['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde', 'ddim'],
    ])

    expect(await fleet.objectInfoOf('FaceDetailer')).toEqual({ FaceDetailer: info.FaceDetailer })
    expect(await fleet.objectInfoOf('CheckpointLoaderSimple')).toEqual({
      CheckpointLoaderSimple: info.CheckpointLoaderSimple,
    })
    expect(await fleet.objectInfoOf('NoSuchNode')).toEqual({})
    expect(await fleet.objectInfoOf('toString')).toEqual({})
    expect(log.calls).toEqual([])
  })

  it('answers the small routes, and undefined (a 404) for a folder no server has', async () => {
    const cluster = await startFleet()
    const log = errorLog()
    const fleet = new FleetInfo({ servers: serversOf(cluster), onError: log.onError })

    const folders = await fleet.modelFolders()
    expect(folders.slice(0, 3)).toEqual(['checkpoints', 'configs', 'loras'])
    expect(folders.at(-1)).toBe('ultralytics')
    expect(new Set(folders).size).toBe(folders.length)

    expect(await fleet.modelFiles('checkpoints')).toEqual([
      'sd_xl_base_1.0.safetensors',
      'a-only.safetensors',
      'flux1-dev.safetensors',
    ])
    // gpu-a answers 404 for this folder, which is an answer, not a failure.
    expect(await fleet.modelFiles('ultralytics')).toEqual(['face_yolov8m.pt'])
    expect(await fleet.modelFiles('upscale_models')).toEqual([])
    expect(await fleet.modelFiles('no_such_folder')).toBeUndefined()
    expect(await fleet.modelFiles('../system_stats')).toBeUndefined()

    expect(await fleet.embeddings()).toEqual(['easynegative', 'bad_hands'])
    expect(await fleet.extensions()).toEqual(['/extensions/fancy/fancy.js', '/extensions/impact/impact.js'])
    expect(await fleet.features()).toEqual({ supports_preview_metadata: true, max_upload_size: 104_857_600 })

    const stats = await fleet.systemStats()
    expect(stats.system.comfyui_version).toBe('0.3.64')
    expect(stats.system.os).toBe('linux')
    expect(stats.devices.map((device) => device.name)).toEqual([
      'gpu-a: cuda:0 NVIDIA H200 : cudaMallocAsync',
      'gpu-b: cuda:0 NVIDIA H200 : cudaMallocAsync',
    ])
    expect(log.calls).toEqual([])
  })

  it('shares one request per server among concurrent callers, and caches the merge', async () => {
    const cluster = await startFleet()
    const fleet = new FleetInfo({ servers: serversOf(cluster) })
    const [a, b] = cluster.sims
    const before = [a!.requestCounts.catalog, b!.requestCounts.catalog]
    const answers = await Promise.all([
      fleet.objectInfo(),
      fleet.objectInfo(),
      fleet.objectInfoOf('FancySampler'),
      fleet.objectInfo(),
    ])
    expect([a!.requestCounts.catalog, b!.requestCounts.catalog]).toEqual([before[0]! + 1, before[1]! + 1])
    expect(answers[1]).toBe(answers[0])
    expect(answers[3]).toBe(answers[0])
    // Cached: no new request, and the very same merged object.
    expect(await fleet.objectInfo()).toBe(answers[0])
    expect([a!.requestCounts.catalog, b!.requestCounts.catalog]).toEqual([before[0]! + 1, before[1]! + 1])

    await Promise.all([fleet.modelFiles('loras'), fleet.modelFiles('loras'), fleet.modelFiles('vae')])
    expect([a!.requestCounts.catalog, b!.requestCounts.catalog]).toEqual([before[0]! + 3, before[1]! + 3])
  })

  it('sends credentials from the URL and headers, and never puts them in errors', async () => {
    const cluster = await startFleet()
    const seen: Array<{ url: string; headers: Record<string, string> }> = []
    const log = errorLog()
    const fleet = new FleetInfo({
      servers: [
        { id: 'gpu-a', url: withTestCredentials(cluster.sims[0]!.url) },
        { id: 'gpu-b', url: cluster.sims[1]!.url, headers: TEST_AUTH_HEADERS },
        // Nothing listens on port 9 of 127.0.0.1: refused, with a token in the query.
        { id: 'gone', url: `http://127.0.0.1:9/?token=${encodeURIComponent(TEST_SECRETS[1]!)}` },
      ],
      fetch: (url, init) => {
        seen.push({ url, headers: { ...(init?.headers as Record<string, string>) } })
        return fetch(url, init)
      },
      onError: log.onError,
    })
    expect(await fleet.embeddings()).toEqual(['easynegative', 'bad_hands'])
    const toA = seen.find((request) => request.url.startsWith(cluster.sims[0]!.url))
    expect(toA?.url).toBe(`${cluster.sims[0]!.url}/embeddings`)
    expect(toA?.headers.Authorization).toMatch(/^Basic /)
    const toB = seen.find((request) => request.url.startsWith(cluster.sims[1]!.url))
    expect(toB?.headers).toMatchObject(TEST_AUTH_HEADERS)
    expect(seen.find((request) => request.url.includes(':9/'))?.url).toContain('/embeddings?token=')

    expect(log.calls.map(({ serverId, route, error }) => [serverId, route, error.kind])).toEqual([
      ['gone', '/embeddings', 'network'],
    ])
    const message = log.calls[0]!.error.message
    expect(message).toContain('gone: http://127.0.0.1:9/embeddings?token=***')
    for (const secret of TEST_SECRETS) expect(JSON.stringify(log.calls) + message).not.toContain(secret)
  })

  it('counts a server without /features (older than 0.3.45) as supporting none', async () => {
    const cluster = await startFleet()
    const old = cluster.sims[1]!.url
    const fleet = new FleetInfo({
      servers: serversOf(cluster),
      // An old ComfyUI has no such route: aiohttp's bare 404.
      fetch: (url, init) =>
        url === `${old}/features` ? Promise.resolve(new Response(null, { status: 404 })) : fetch(url, init),
    })
    expect(await fleet.features()).toEqual({ supports_preview_metadata: false, max_upload_size: 104_857_600 })
  })

  it('follows a changing server list', async () => {
    const cluster = await startFleet()
    let servers = serversOf(cluster).slice(0, 1)
    const fleet = new FleetInfo({ servers: () => servers })
    expect(await fleet.embeddings()).toEqual(['easynegative'])
    servers = serversOf(cluster).reverse()
    expect(await fleet.embeddings()).toEqual(['bad_hands', 'easynegative'])
  })
})
