import { type SimCluster, type SimServerSpec, startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterEach } from 'vitest'
import type { FleetRequestError, FleetRoutePath } from '../errors'
import type { FleetServer } from '../server-target'

/**
 * Two simulated ComfyUI servers on 127.0.0.1 with different node classes, model files, embeddings,
 * extensions and versions, as a real fleet grows apart.
 */
export const FLEET_SPECS: readonly SimServerSpec[] = [
  {
    name: 'gpu-a',
    version: '0.26.0',
    catalog: {
      nodes: {
        FancySampler: {
          required: { model: ['MODEL'], steps: ['INT', { default: 20, min: 1, max: 100 }] },
          outputs: ['LATENT'],
          category: 'custom',
        },
      },
      models: {
        checkpoints: ['sd_xl_base_1.0.safetensors', 'a-only.safetensors'],
        loras: ['detail.safetensors'],
      },
      embeddings: ['easynegative.safetensors'],
      extensions: ['/extensions/fancy/fancy.js'],
    },
  },
  {
    name: 'gpu-b',
    version: '0.3.64',
    catalog: {
      nodes: {
        UpscaleModelLoader: false,
        FaceDetailer: {
          required: { image: ['IMAGE'], bbox_model: [{ folder: 'ultralytics' }] },
          outputs: ['IMAGE'],
          category: 'impact',
        },
      },
      models: {
        checkpoints: ['flux1-dev.safetensors', 'sd_xl_base_1.0.safetensors'],
        ultralytics: ['face_yolov8m.pt'],
      },
      embeddings: ['bad_hands.pt', 'easynegative.safetensors'],
      extensions: ['/extensions/fancy/fancy.js', '/extensions/impact/impact.js'],
    },
  },
]

/** Starts a fresh two-server fleet per call and closes it after the test. */
export function useFleet(): (specs?: readonly SimServerSpec[]) => Promise<SimCluster> {
  const clusters: SimCluster[] = []
  afterEach(async () => {
    await Promise.all(clusters.splice(0).map((cluster) => cluster.close()))
  })
  return async (specs = FLEET_SPECS) => {
    const cluster = await startSimCluster(specs, { host: '127.0.0.1' })
    clusters.push(cluster)
    return cluster
  }
}

/** The fleet's servers as the gateway configures them: the sim's name as id. */
export function serversOf(cluster: SimCluster): FleetServer[] {
  return cluster.sims.map((sim) => ({ id: sim.name, url: sim.url }))
}

/** An `onError` that records what it is told, and lets a test wait for the next report. */
export function errorLog() {
  const calls: Array<{ serverId: string; route: FleetRoutePath; error: FleetRequestError }> = []
  let waiters: Array<() => void> = []
  return {
    calls,
    onError: (serverId: string, route: FleetRoutePath, error: FleetRequestError) => {
      calls.push({ serverId, route, error })
      const woken = waiters
      waiters = []
      for (const wake of woken) wake()
    },
    /** Resolves at the next report (a background read's failure, say). */
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
  }
}

/** A clock whose time moves only when a test says so (no timers: request timeouts stay real). */
export function manualClock(start = 1_700_000_000_000) {
  let now = start
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}
