import type { ObjectInfo, ValidateInputsTable } from '@comfy-balancer/comfyui-rules'
import type { JsonObject } from './comfy-types'

/**
 * One input as a node class declares it in `INPUT_TYPES()`: a type name (`INT`, `IMAGE`, …), a COMBO
 * list, or `{ folder }` for a COMBO of a model folder's files (ComfyUI builds those lists from
 * `folder_paths.get_filename_list(folder)` on every `/object_info` request) — with its options.
 */
export type InputSpec = readonly [string | readonly string[] | { readonly folder: string }, JsonObject?]

/** A node class as the simulated server knows it. */
export interface NodeClassSpec {
  readonly required?: Readonly<Record<string, InputSpec>>
  readonly optional?: Readonly<Record<string, InputSpec>>
  /** `RETURN_TYPES`. */
  readonly outputs?: readonly string[]
  /** `OUTPUT_NODE`: the prompt's outputs are its output nodes. */
  readonly outputNode?: boolean
  readonly category?: string
  /**
   * The inputs the class's own `VALIDATE_INPUTS` takes: ComfyUI skips its list check for them (the
   * class's own check is not simulated), as for `LoadImage`'s `image`.
   */
  readonly validateInputs?: readonly string[]
}

/** What one simulated server can run and serve: node classes, model files, embeddings, extensions. */
export interface CatalogOptions {
  /** Node classes added to (or replacing) the defaults; `false` removes a default class. */
  readonly nodes?: Readonly<Record<string, NodeClassSpec | false>>
  /** Files per model folder (`checkpoints`, `loras`, …); a folder given here replaces its default list. */
  readonly models?: Readonly<Record<string, readonly string[]>>
  /** Files in the `embeddings` folder (served by `/embeddings` without their extension). */
  readonly embeddings?: readonly string[]
  /** Front-end extension scripts, as `/extensions` lists them. */
  readonly extensions?: readonly string[]
}

const INT = (value: number, min = 0, max = 16_384): InputSpec => ['INT', { default: value, min, max }]
const FLOAT = (value: number): InputSpec => ['FLOAT', { default: value, min: 0, max: 100, step: 0.01 }]
const TEXT: InputSpec = ['STRING', { multiline: true, dynamicPrompts: true }]

/**
 * The default node classes: ComfyUI core nodes that tests, the demo and the balancer's canary use,
 * each loader's model list taken from its folder, plus `SimWork` (the simulator's own slow output
 * node: `ms` of work at speed 1, `fail: true` to raise, an optional `model` link to depend on a loader).
 */
const DEFAULT_NODES: Readonly<Record<string, NodeClassSpec>> = {
  SimWork: {
    required: { ms: INT(1_000, 0, 86_400_000) },
    // `model` lets a workflow make a loader run before the work (and pay its load time).
    optional: { fail: ['BOOLEAN', { default: false }], model: ['MODEL'] },
    outputs: ['IMAGE'],
    outputNode: true,
    category: 'testing',
  },
  CheckpointLoaderSimple: {
    required: { ckpt_name: [{ folder: 'checkpoints' }] },
    outputs: ['MODEL', 'CLIP', 'VAE'],
    category: 'loaders',
  },
  UNETLoader: {
    required: { unet_name: [{ folder: 'diffusion_models' }], weight_dtype: [['default', 'fp8_e4m3fn']] },
    outputs: ['MODEL'],
    category: 'advanced/loaders',
  },
  VAELoader: { required: { vae_name: [{ folder: 'vae' }] }, outputs: ['VAE'], category: 'loaders' },
  LoraLoader: {
    required: {
      model: ['MODEL'],
      clip: ['CLIP'],
      lora_name: [{ folder: 'loras' }],
      strength_model: FLOAT(1),
      strength_clip: FLOAT(1),
    },
    outputs: ['MODEL', 'CLIP'],
    category: 'loaders',
  },
  ControlNetLoader: {
    required: { control_net_name: [{ folder: 'controlnet' }] },
    outputs: ['CONTROL_NET'],
    category: 'loaders',
  },
  UpscaleModelLoader: {
    required: { model_name: [{ folder: 'upscale_models' }] },
    outputs: ['UPSCALE_MODEL'],
    category: 'loaders',
  },
  CLIPTextEncode: {
    required: { text: TEXT, clip: ['CLIP'] },
    outputs: ['CONDITIONING'],
    category: 'conditioning',
  },
  EmptyLatentImage: {
    required: { width: INT(512, 16), height: INT(512, 16), batch_size: INT(1, 1, 4096) },
    outputs: ['LATENT'],
    category: 'latent',
  },
  KSampler: {
    required: {
      model: ['MODEL'],
      seed: INT(0, 0, Number.MAX_SAFE_INTEGER),
      steps: INT(20, 1, 10_000),
      cfg: FLOAT(8),
      sampler_name: [['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde', 'ddim']],
      scheduler: [['normal', 'karras', 'exponential', 'simple']],
      positive: ['CONDITIONING'],
      negative: ['CONDITIONING'],
      latent_image: ['LATENT'],
      denoise: FLOAT(1),
    },
    outputs: ['LATENT'],
    category: 'sampling',
  },
  VAEDecode: { required: { samples: ['LATENT'], vae: ['VAE'] }, outputs: ['IMAGE'], category: 'latent' },
  EmptyImage: {
    required: {
      width: INT(512, 1),
      height: INT(512, 1),
      batch_size: INT(1, 1, 4096),
      color: INT(0, 0, 0xffffff),
    },
    outputs: ['IMAGE'],
    category: 'image',
  },
  LoadImage: {
    // The input folder as a stock install has it (uploads made later are not listed here).
    required: { image: [['example.png'], { image_upload: true }] },
    validateInputs: ['image'],
    outputs: ['IMAGE', 'MASK'],
    category: 'image',
  },
  SaveImage: {
    required: { images: ['IMAGE'], filename_prefix: ['STRING', { default: 'ComfyUI' }] },
    outputNode: true,
    category: 'image',
  },
  PreviewImage: { required: { images: ['IMAGE'] }, outputNode: true, category: 'image' },
}

/** The model folders ComfyUI registers (`folder_names_and_paths`), with the default files of a few. */
const DEFAULT_MODELS: Readonly<Record<string, readonly string[]>> = {
  checkpoints: ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors'],
  configs: [],
  loras: [],
  vae: ['sdxl_vae.safetensors'],
  text_encoders: [],
  diffusion_models: [],
  clip_vision: [],
  style_models: [],
  embeddings: [],
  diffusers: [],
  vae_approx: [],
  controlnet: [],
  gligen: [],
  upscale_models: [],
  custom_nodes: [],
  hypernetworks: [],
  photomaker: [],
  classifiers: [],
}

/**
 * The node classes and model files of one simulated server, answered as ComfyUI's catalog routes
 * answer them (`/object_info`, `/object_info/{class}`, `/models`, `/models/{folder}`, `/embeddings`,
 * `/extensions`): fixed at creation, so every server of a cluster can differ.
 */
export class Catalog {
  readonly #nodes: ReadonlyMap<string, NodeClassSpec>
  readonly #models: ReadonlyMap<string, readonly string[]>
  readonly #extensions: readonly string[]
  #rules: { objectInfo: ObjectInfo; validateInputs: ValidateInputsTable } | undefined

  constructor(options: CatalogOptions = {}) {
    const nodes = new Map(Object.entries(DEFAULT_NODES))
    for (const [name, spec] of Object.entries(options.nodes ?? {})) {
      if (spec === false) nodes.delete(name)
      else nodes.set(name, spec)
    }
    this.#nodes = nodes
    const models = new Map(Object.entries({ ...DEFAULT_MODELS, ...(options.models ?? {}) }))
    if (options.embeddings !== undefined) models.set('embeddings', options.embeddings)
    this.#models = models
    this.#extensions = options.extensions ?? []
  }

  /** The node class names this server can run. */
  get nodeClasses(): readonly string[] {
    return [...this.#nodes.keys()]
  }

  hasNode(name: string): boolean {
    return this.#nodes.has(name)
  }

  /** A class's definition, or undefined for a class this server lacks. */
  nodeClass(name: string): NodeClassSpec | undefined {
    return this.#nodes.get(name)
  }

  /** Whether a class is an output node (`OUTPUT_NODE`). */
  isOutputNode(name: string): boolean {
    return this.#nodes.get(name)?.outputNode === true
  }

  /** The inputs of a class that name a model file, each with its folder (`ckpt_name` → `checkpoints`). */
  folderInputs(name: string): ReadonlyMap<string, string> {
    const spec = this.#nodes.get(name)
    const inputs = new Map<string, string>()
    for (const [key, [type]] of Object.entries({ ...spec?.required, ...spec?.optional })) {
      if (typeof type === 'object' && 'folder' in type) inputs.set(key, type.folder)
    }
    return inputs
  }

  /** `GET /object_info`: every class's definition, model lists filled in. */
  objectInfo(): JsonObject {
    const info: JsonObject = {}
    for (const name of this.#nodes.keys()) info[name] = this.#describe(name)
    return info
  }

  /**
   * What `validatePrompt` reads of this server, built once (the catalog never changes): its
   * `/object_info`, and each class's {@link NodeClassSpec.validateInputs}. Not to be modified.
   */
  rules(): { readonly objectInfo: ObjectInfo; readonly validateInputs: ValidateInputsTable } {
    if (this.#rules !== undefined) return this.#rules
    const validateInputs: Record<string, readonly string[]> = {}
    for (const [name, spec] of this.#nodes) {
      if (spec.validateInputs !== undefined) validateInputs[name] = [...spec.validateInputs]
    }
    this.#rules = { objectInfo: this.objectInfo() as ObjectInfo, validateInputs }
    return this.#rules
  }

  /** `GET /object_info/{class}`: `{class: info}`, or `{}` for a class it does not have. */
  objectInfoOf(name: string): JsonObject {
    return this.#nodes.has(name) ? { [name]: this.#describe(name) } : {}
  }

  /** `GET /models`: every registered folder name. */
  folders(): string[] {
    return [...this.#models.keys()]
  }

  /** `GET /models/{folder}`: its files, or undefined (a 404) for a folder ComfyUI does not register. */
  files(folder: string): string[] | undefined {
    const files = this.#models.get(folder)
    return files === undefined ? undefined : [...files]
  }

  /** `GET /embeddings`: the embeddings folder's files without their extension. */
  embeddings(): string[] {
    return (this.#models.get('embeddings') ?? []).map((file) => file.replace(/\.[^./]*$/, ''))
  }

  /** `GET /extensions`. */
  extensions(): string[] {
    return [...this.#extensions]
  }

  #describe(name: string): JsonObject {
    const spec = this.#nodes.get(name)!
    const input: JsonObject = { required: this.#inputs(spec.required ?? {}) }
    const order: JsonObject = { required: Object.keys(spec.required ?? {}) }
    if (spec.optional !== undefined) {
      input.optional = this.#inputs(spec.optional)
      order.optional = Object.keys(spec.optional)
    }
    const outputs = [...(spec.outputs ?? [])]
    return {
      input,
      input_order: order,
      output: outputs,
      output_is_list: outputs.map(() => false),
      output_name: outputs,
      name,
      display_name: name,
      description: '',
      python_module: name === 'SimWork' ? 'custom_nodes.comfy_balancer_sim' : 'nodes',
      category: spec.category ?? 'sd',
      output_node: spec.outputNode === true,
    }
  }

  #inputs(specs: Readonly<Record<string, InputSpec>>): JsonObject {
    const out: JsonObject = {}
    for (const [key, [type, options]] of Object.entries(specs)) {
      // A folder's COMBO is its file list as of this request, as ComfyUI rebuilds it every time.
      const kind =
        typeof type === 'object' && 'folder' in type ? [...(this.#models.get(type.folder) ?? [])] : type
      out[key] = options === undefined ? [kind] : [kind, options]
    }
    return out
  }
}
