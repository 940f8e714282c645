import type { CapabilitySummary } from '../contracts/server.js'
import { isRecord } from '../util/is-record.js'

/**
 * What one server can run, read from its `GET /object_info`: its node classes, and for every input
 * that names a model file, the files it has. Derived generically — any COMBO input whose values are
 * model files (`CheckpointLoaderSimple.ckpt_name`, `LoraLoader.lora_name`, a custom loader's too) —
 * the way SwarmUI reads a backend, not from a hard-coded list of loaders.
 */
export interface Capabilities {
  readonly nodeClasses: ReadonlySet<string>
  /** Node class → input name → the model files that input accepts on this server. */
  readonly modelInputs: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>
  readonly summary: Omit<CapabilitySummary, 'readAt'>
}

/** File names that are model weights (safetensors, pickles, GGUF, ONNX, TensorRT engines, …). */
export const MODEL_FILE = /\.(safetensors|sft|ckpt|pt|pt2|pth|bin|gguf|onnx|pkl|engine)$/i

/**
 * Reads `/object_info`'s answer. An input is a model input when its COMBO list holds a model file,
 * or when the list is empty and the input is named like a file choice (`*_name`): a loader whose
 * folder is empty on this server still names a model, which this server lacks.
 */
export function deriveCapabilities(objectInfo: Readonly<Record<string, unknown>>): Capabilities {
  const nodeClasses = new Set<string>()
  const modelInputs = new Map<string, Map<string, ReadonlySet<string>>>()
  const files = new Set<string>()
  for (const [name, info] of Object.entries(objectInfo)) {
    nodeClasses.add(name)
    const input = isRecord(info) && isRecord(info.input) ? info.input : undefined
    if (input === undefined) continue
    for (const group of [input.required, input.optional]) {
      if (!isRecord(group)) continue
      for (const [inputName, spec] of Object.entries(group)) {
        const values = comboValues(spec)
        if (values === undefined) continue
        const isModel =
          values.length === 0 ? inputName.endsWith('_name') : values.some((v) => MODEL_FILE.test(v))
        if (!isModel) continue
        const inputs = modelInputs.get(name) ?? new Map<string, ReadonlySet<string>>()
        modelInputs.set(name, inputs)
        inputs.set(inputName, new Set(values))
        for (const value of values) files.add(value)
      }
    }
  }
  return {
    nodeClasses,
    modelInputs,
    summary: {
      nodes: nodeClasses.size,
      models: files.size,
      checkpoints: modelInputs.get('CheckpointLoaderSimple')?.get('ckpt_name')?.size ?? 0,
    },
  }
}

/** A COMBO's values: `[[...values], options?]`, or the newer `["COMBO", {options: [...]}]`. */
function comboValues(spec: unknown): string[] | undefined {
  if (!Array.isArray(spec)) return undefined
  const [type, options] = spec as [unknown, unknown]
  const list = Array.isArray(type)
    ? type
    : type === 'COMBO' && isRecord(options) && Array.isArray(options.options)
      ? options.options
      : undefined
  return list?.filter((value): value is string => typeof value === 'string')
}
