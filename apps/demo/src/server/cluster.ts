import { type SimCluster, type SimServerSpec, startSimCluster } from '@comfy-balancer/testkit/sim'
import {
  CHECKPOINTS,
  type CheckpointKey,
  describeCatalog,
  type ServerCatalog,
  UPSCALE_NODE,
} from '../shared/models.js'
import type { PageConfig } from './page-server.js'

/** One simulated GPU of the demo: its speed, what it has installed, and how it loads models. */
export interface DemoGpu {
  readonly name: string
  /** Work runs this many times faster than at speed 1. */
  readonly speed: number
  readonly checkpoints: readonly CheckpointKey[]
  /** Custom node classes installed beside ComfyUI's core nodes. */
  readonly customNodes: readonly string[]
  /** How many checkpoints its VRAM holds at once (least recently used evicted first). */
  readonly vramSlots: number
  /** Disk read speed, bytes per second: a checkpoint not in VRAM costs its size over this. */
  readonly diskBytesPerSecond: number
}

/**
 * The embedded cluster: four GPUs of speeds 1, 1, 2 and 4, named for what they stand for. Every
 * one has SDXL base; Juggernaut XL only the second 3060 and the 4080; the UltimateSDUpscale custom
 * node only the 4080 and the H100; SD 1.5 only the 3060s. Loading SDXL takes about 4.6 s on a 3060's
 * SATA-class disk and 2 s on the H100's NVMe, so where a checkpoint already is matters.
 */
export const DEMO_GPUS: readonly DemoGpu[] = [
  {
    name: 'rtx-3060-a',
    speed: 1,
    checkpoints: ['sdxl', 'sd15', 'dreamshaper'],
    customNodes: [],
    vramSlots: 1,
    diskBytesPerSecond: 1.5e9,
  },
  {
    name: 'rtx-3060-b',
    speed: 1,
    checkpoints: ['sdxl', 'sd15', 'juggernaut'],
    customNodes: [],
    vramSlots: 1,
    diskBytesPerSecond: 1.5e9,
  },
  {
    name: 'rtx-4080',
    speed: 2,
    checkpoints: ['sdxl', 'dreamshaper', 'juggernaut'],
    customNodes: [UPSCALE_NODE],
    vramSlots: 1,
    diskBytesPerSecond: 2.5e9,
  },
  {
    name: 'h100',
    speed: 4,
    checkpoints: ['sdxl', 'dreamshaper'],
    customNodes: [UPSCALE_NODE],
    vramSlots: 2,
    diskBytesPerSecond: 3.5e9,
  },
]

/** The custom node classes the demo knows how to declare, as ComfyUI's `/object_info` lists them. */
const CUSTOM_NODES: NonNullable<NonNullable<SimServerSpec['catalog']>['nodes']> = {
  [UPSCALE_NODE]: {
    required: {
      image: ['IMAGE'],
      upscale_by: ['FLOAT', { default: 2, min: 0.05, max: 4, step: 0.05 }],
    },
    outputs: ['IMAGE'],
    category: 'image/upscaling',
  },
}

/** What the simulator needs to know of a GPU: name, speed, catalog and model loading. */
export function simSpec(gpu: DemoGpu): SimServerSpec {
  const files = gpu.checkpoints.map((key) => CHECKPOINTS[key])
  return {
    name: gpu.name,
    speed: gpu.speed,
    catalog: {
      nodes: Object.fromEntries(gpu.customNodes.map((node) => [node, CUSTOM_NODES[node]!])),
      models: { checkpoints: files.map((checkpoint) => checkpoint.file) },
    },
    models: {
      sizes: Object.fromEntries(files.map((checkpoint) => [checkpoint.file, checkpoint.bytes])),
      bytesPerSecond: gpu.diskBytesPerSecond,
      vramSlots: gpu.vramSlots,
    },
  }
}

/** A GPU's catalog as the page shows it. */
export function serverCatalog(gpu: DemoGpu): ServerCatalog {
  return {
    checkpoints: gpu.checkpoints.map((key) => CHECKPOINTS[key].file),
    customNodes: [...gpu.customNodes],
  }
}

/** "speed ×4 · SDXL base, DreamShaper 8 · + UltimateSDUpscale · 2 VRAM slots · disk 3.5 GB/s". */
export function describeGpu(gpu: DemoGpu): string {
  return `speed ×${gpu.speed} · ${describeCatalog(serverCatalog(gpu), gpu.vramSlots, gpu.diskBytesPerSecond)}`
}

/** Starts the simulated ComfyUI servers on 127.0.0.1, with CORS on so the page can reach them. */
export function startDemoCluster(timeScale: number): Promise<SimCluster> {
  return startSimCluster(DEMO_GPUS.map(simSpec), { timeScale, cors: true })
}

/** The page's servers for the embedded cluster: names, speeds as weights, VRAM slots and catalogs. */
export function demoPageServers(cluster: SimCluster): PageConfig['servers'] {
  return cluster.urls.map((url, i) => {
    const gpu = DEMO_GPUS[i]!
    return {
      url,
      name: gpu.name,
      weight: gpu.speed,
      modelSlots: gpu.vramSlots,
      catalog: serverCatalog(gpu),
      diskBytesPerSecond: gpu.diskBytesPerSecond,
    }
  })
}
