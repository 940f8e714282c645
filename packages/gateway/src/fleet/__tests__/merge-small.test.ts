import { describe, expect, it } from 'vitest'
import type { SystemStats } from '../comfy-shapes'
import { mergeFeatures } from '../merge-features'
import { mergeEmbeddings, mergeExtensions, mergeModelFiles, mergeModelFolders } from '../merge-lists'
import { mergeSystemStats } from '../merge-system-stats'
import { compareVersions } from '../version-order'

describe('list merges', () => {
  it('/models: every folder name, first server’s order first', () => {
    expect(
      mergeModelFolders([
        { serverId: 'a', info: ['checkpoints', 'loras', 'vae'] },
        { serverId: 'b', info: ['checkpoints', 'vae', 'ultralytics_bbox', 'loras'] },
      ]),
    ).toEqual(['checkpoints', 'loras', 'vae', 'ultralytics_bbox'])
  })

  it('/models/{folder}: the union of the servers that have it; undefined when none has it (404)', () => {
    expect(
      mergeModelFiles([
        { serverId: 'a', info: undefined },
        { serverId: 'b', info: ['flux/ae.safetensors', 'sdxl_vae.safetensors'] },
        { serverId: 'c', info: ['sdxl_vae.safetensors', 'taesd_decoder.pth'] },
      ]),
    ).toEqual(['flux/ae.safetensors', 'sdxl_vae.safetensors', 'taesd_decoder.pth'])
    // A folder a server has but keeps empty is still a folder: 200 with [].
    expect(
      mergeModelFiles([
        { serverId: 'a', info: [] },
        { serverId: 'b', info: undefined },
      ]),
    ).toEqual([])
    expect(mergeModelFiles([{ serverId: 'a', info: undefined }])).toBeUndefined()
    expect(mergeModelFiles([])).toBeUndefined()
  })

  it('/embeddings and /extensions: unions', () => {
    expect(
      mergeEmbeddings([
        { serverId: 'a', info: ['easynegative'] },
        { serverId: 'b', info: ['bad_hands', 'easynegative'] },
      ]),
    ).toEqual(['easynegative', 'bad_hands'])
    expect(
      mergeExtensions([
        { serverId: 'a', info: ['/extensions/core/clipspace.js', '/extensions/rgthree-comfy/rgthree.js'] },
        { serverId: 'b', info: ['/extensions/core/clipspace.js', '/extensions/comfyui-kjnodes/kj.js'] },
      ]),
    ).toEqual([
      '/extensions/core/clipspace.js',
      '/extensions/rgthree-comfy/rgthree.js',
      '/extensions/comfyui-kjnodes/kj.js',
    ])
  })
})

describe('mergeFeatures', () => {
  const v0264 = { supports_preview_metadata: true, max_upload_size: 104_857_600.0 }
  const v026 = {
    supports_preview_metadata: true,
    max_upload_size: 524_288_000,
    extension: { manager: { supports_v4: true } },
    node_replacements: true,
    assets: false,
  }

  it('claims a flag only when every server has it, and the smallest limit', () => {
    expect(
      mergeFeatures([
        { serverId: 'old', info: v0264 },
        { serverId: 'new', info: v026 },
      ]),
    ).toEqual({
      supports_preview_metadata: true,
      max_upload_size: 104_857_600,
      extension: { manager: { supports_v4: false } },
      node_replacements: false,
      assets: false,
    })
    expect(
      mergeFeatures([
        { serverId: 'a', info: v026 },
        { serverId: 'b', info: { ...v026, supports_preview_metadata: false } },
      ]).supports_preview_metadata,
    ).toBe(false)
  })

  it('keeps lists’ common values, same strings, and drops what disagrees', () => {
    expect(
      mergeFeatures([
        { serverId: 'a', info: { formats: ['png', 'webp', 'jpeg'], channel: 'stable', odd: 1 } },
        { serverId: 'b', info: { formats: ['jpeg', 'png'], channel: 'stable', odd: 'x' } },
      ]),
    ).toEqual({ formats: ['png', 'jpeg'], channel: 'stable' })
    expect(
      mergeFeatures([
        { serverId: 'a', info: { formats: ['png'], channel: 'stable' } },
        { serverId: 'b', info: {} },
      ]),
    ).toEqual({ formats: [] })
  })

  it('is the server’s own answer for one server, and {} for none', () => {
    expect(mergeFeatures([{ serverId: 'a', info: v026 }])).toEqual(v026)
    expect(mergeFeatures([])).toEqual({})
  })
})

function stats(version: string, devices: SystemStats['devices'], os = 'linux'): SystemStats {
  return {
    system: {
      os,
      ram_total: 135_089_655_808,
      ram_free: 120_034_566_144,
      comfyui_version: version,
      required_frontend_version: '1.40.0',
      python_version: '3.12.3 (main, Nov  6 2025, 13:44:16) [GCC 13.2.0]',
      pytorch_version: '2.9.0+cu128',
      embedded_python: false,
      argv: ['main.py', '--listen', '0.0.0.0', '--port', '8188'],
    },
    devices,
  }
}

const h200 = (index: number) => ({
  name: `cuda:${index} NVIDIA H200 : cudaMallocAsync`,
  type: 'cuda',
  index,
  vram_total: 150_754_820_096,
  vram_free: 148_000_000_000,
  torch_vram_total: 0,
  torch_vram_free: 0,
})

describe('mergeSystemStats', () => {
  it('takes the first server’s system with the lowest version, and every device named by server', () => {
    const a = stats('0.26.0', [h200(0), h200(1)])
    const b = stats(
      '0.3.64',
      [{ ...h200(0), name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync' }],
      'posix',
    )
    const merged = mergeSystemStats([
      { serverId: 'gpu-a', info: a },
      { serverId: 'gpu-b', info: b },
    ])
    expect(merged.system).toEqual({ ...a.system, comfyui_version: '0.3.64' })
    expect(merged.devices.map((device) => device.name)).toEqual([
      'gpu-a: cuda:0 NVIDIA H200 : cudaMallocAsync',
      'gpu-a: cuda:1 NVIDIA H200 : cudaMallocAsync',
      'gpu-b: cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync',
    ])
    expect(merged.devices[2]).toMatchObject({ type: 'cuda', index: 0, vram_total: 150_754_820_096 })
    // Inputs untouched.
    expect(a.devices[0]?.name).toBe('cuda:0 NVIDIA H200 : cudaMallocAsync')
    expect(a.system.comfyui_version).toBe('0.26.0')
  })

  it('ignores versions it cannot order, and refuses an empty list', () => {
    const merged = mergeSystemStats([
      { serverId: 'a', info: stats('0.4.0', []) },
      { serverId: 'b', info: stats('unknown', []) },
    ])
    expect(merged.system.comfyui_version).toBe('0.4.0')
    expect(() => mergeSystemStats([])).toThrow(TypeError)
  })
})

describe('compareVersions', () => {
  it('orders by number, not by text', () => {
    expect(compareVersions('0.3.9', '0.3.10')).toBe(-1)
    expect(compareVersions('v0.26.0', '0.26')).toBe(0)
    expect(compareVersions('0.4.0-rc1', '0.4.0')).toBe(-1)
    expect(compareVersions('1.0.0', '0.99.99')).toBe(1)
    expect(compareVersions('nightly', '0.1.0')).toBeUndefined()
  })
})
