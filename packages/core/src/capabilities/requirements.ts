import type { ComfyPrompt } from '../jobs/types.js'
import { type Capabilities, MODEL_FILE } from './capabilities.js'

/** What a job needs of a server: the node classes its prompt names and every string input value. */
export interface JobRequirements {
  readonly nodeClasses: readonly string[]
  /** Every string input (`CheckpointLoaderSimple.ckpt_name = 'x.safetensors'`); a server's capabilities say which name a model. */
  readonly values: ReadonlyArray<{
    readonly classType: string
    readonly input: string
    readonly value: string
  }>
}

/** Something a server lacks for a job. */
export type Missing =
  | { readonly kind: 'node'; readonly classType: string }
  | { readonly kind: 'model'; readonly classType: string; readonly input: string; readonly file: string }

/** Reads a job's requirements off its API-format prompt (invalid nodes are the server's to reject). */
export function jobRequirements(prompt: ComfyPrompt): JobRequirements {
  const nodeClasses = new Set<string>()
  const values: Array<JobRequirements['values'][number]> = []
  for (const node of Object.values(prompt)) {
    if (typeof node !== 'object' || node === null) continue
    const classType = (node as { class_type?: unknown }).class_type
    if (typeof classType !== 'string') continue
    nodeClasses.add(classType)
    const inputs = (node as { inputs?: unknown }).inputs
    if (typeof inputs !== 'object' || inputs === null) continue
    for (const [input, value] of Object.entries(inputs)) {
      if (typeof value === 'string') values.push({ classType, input, value })
    }
  }
  return { nodeClasses: [...nodeClasses], values }
}

/** What this server lacks for the job (empty: it can run it). */
export function missingOn(capabilities: Capabilities, requirements: JobRequirements): Missing[] {
  const missing: Missing[] = []
  for (const classType of requirements.nodeClasses) {
    if (!capabilities.nodeClasses.has(classType)) missing.push({ kind: 'node', classType })
  }
  for (const { classType, input, value } of requirements.values) {
    const files = capabilities.modelInputs.get(classType)?.get(input)
    if (files !== undefined && !files.has(value))
      missing.push({ kind: 'model', classType, input, file: value })
  }
  return missing
}

/** The model files a job loads on this server (the values of its model inputs). */
export function modelsOf(capabilities: Capabilities | undefined, requirements: JobRequirements): string[] {
  const models: string[] = []
  for (const { classType, input, value } of requirements.values) {
    const isModel =
      capabilities === undefined
        ? MODEL_FILE.test(value)
        : capabilities.modelInputs.get(classType)?.has(input) === true
    if (isModel && !models.includes(value)) models.push(value)
  }
  return models
}

/** "node class FooNode", "checkpoint x.safetensors (CheckpointLoaderSimple.ckpt_name)". */
export function describeMissing(missing: Missing): string {
  return missing.kind === 'node'
    ? `node class ${missing.classType}`
    : `model ${missing.file} (${missing.classType}.${missing.input})`
}
