import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'

/** The embedded cluster: four GPUs of speeds 1, 1, 2 and 4, named for what they stand for. */
export const DEMO_GPUS = [
  { name: 'rtx-3060-a', speed: 1 },
  { name: 'rtx-3060-b', speed: 1 },
  { name: 'rtx-4080', speed: 2 },
  { name: 'h100', speed: 4 },
] as const

/** Starts the simulated ComfyUI servers on 127.0.0.1, with CORS on so the page can reach them. */
export function startDemoCluster(timeScale: number): Promise<SimCluster> {
  return startSimCluster(
    DEMO_GPUS.map((gpu) => ({ ...gpu })),
    { timeScale, cors: true },
  )
}
