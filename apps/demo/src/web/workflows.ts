import {
  CHECKPOINTS,
  type CheckpointKey,
  MISSING_CHECKPOINT,
  MISSING_NODE,
  UPSCALE_NODE,
} from '../shared/models.js'

/** An API-format prompt, as `balancer.run()` takes it. */
export type DemoPrompt = Record<string, { class_type: string; inputs: Record<string, unknown> }>

/** One job of the page: what the jobs table shows of it, and its prompt. */
export interface DemoWorkflow {
  readonly label: string
  readonly prompt: DemoPrompt
}

/**
 * A checkpoint loaded into `SimWork` (the simulator's work node: `ms` at speed 1), optionally
 * upscaled by the `UltimateSDUpscale` custom node and saved. The loader pays the checkpoint's load
 * time on a server whose VRAM does not hold it.
 */
export function checkpointWorkflow(ckptName: string, workMs: number, upscale = false): DemoPrompt {
  const prompt: DemoPrompt = {
    '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckptName } },
    '2': { class_type: 'SimWork', inputs: { ms: workMs, model: ['1', 0] } },
  }
  if (upscale) {
    prompt['3'] = { class_type: UPSCALE_NODE, inputs: { image: ['2', 0], upscale_by: 2 } }
    prompt['4'] = { class_type: 'SaveImage', inputs: { images: ['3', 0], filename_prefix: 'upscaled' } }
  }
  return prompt
}

/** The mixed workload, in turn: mostly SDXL, some SD 1.5, DreamShaper, Juggernaut, and upscales. */
const MIX: ReadonlyArray<readonly [CheckpointKey, boolean]> = [
  ['sdxl', false],
  ['sd15', false],
  ['sdxl', true],
  ['dreamshaper', false],
  ['juggernaut', false],
  ['sdxl', false],
  ['sd15', false],
  ['dreamshaper', true],
]

/** The workloads the form offers. */
export const WORKLOADS = {
  mix: 'Mixed checkpoints (some upscaled)',
  sdxl: 'SDXL base only',
  none: 'No model (work only)',
} as const

export type Workload = keyof typeof WORKLOADS

/** The `index`-th job of a workload (0-based), with `workMs` of work at speed 1. */
export function workloadJob(workload: Workload, index: number, workMs: number): DemoWorkflow {
  if (workload === 'none')
    return { label: 'no model', prompt: { '1': { class_type: 'SimWork', inputs: { ms: workMs } } } }
  const [key, upscale] = workload === 'sdxl' ? (['sdxl', false] as const) : MIX[index % MIX.length]!
  const checkpoint = CHECKPOINTS[key]
  return {
    // Upscaling costs as much again: the upscaler runs the model over tiles of the larger image.
    label: upscale ? `${checkpoint.label} + upscale` : checkpoint.label,
    prompt: checkpointWorkflow(checkpoint.file, upscale ? workMs * 2 : workMs, upscale),
  }
}

/** Jobs no demo server can run, for the "impossible job" control. */
export const IMPOSSIBLE_JOBS = {
  apart: {
    label: 'SD 1.5 + UltimateSDUpscale (each exists, never on one server)',
    prompt: () => checkpointWorkflow(CHECKPOINTS.sd15.file, 1_000, true),
  },
  checkpoint: {
    label: `Checkpoint ${MISSING_CHECKPOINT} (on no server)`,
    prompt: () => checkpointWorkflow(MISSING_CHECKPOINT, 1_000),
  },
  node: {
    label: `Node class ${MISSING_NODE} (on no server)`,
    prompt: (): DemoPrompt => ({
      '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: CHECKPOINTS.sdxl.file } },
      '2': { class_type: 'SimWork', inputs: { ms: 1_000, model: ['1', 0] } },
      '3': { class_type: MISSING_NODE, inputs: { image: ['2', 0], scale_by: 2 } },
    }),
  },
} as const

export type ImpossibleJob = keyof typeof IMPOSSIBLE_JOBS
