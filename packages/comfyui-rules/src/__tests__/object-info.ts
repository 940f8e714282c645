import type { NodeInfo, ObjectInfo } from '../types'

/** The fields of a `/object_info` class that validation does not read, as ComfyUI sends them. */
function node(name: string, category: string, info: Partial<NodeInfo>): NodeInfo {
  const output = (info.output ?? []) as string[]
  const input = info.input ?? {}
  return {
    input,
    input_order: Object.fromEntries(
      Object.entries(input).map(([group, inputs]) => [group, Object.keys(inputs)]),
    ),
    output,
    output_is_list: output.map(() => false),
    output_name: output,
    name,
    display_name: name,
    description: '',
    python_module: 'nodes',
    category,
    output_node: false,
    ...info,
  }
}

export const CHECKPOINTS = ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors']
export const SAMPLERS = ['euler', 'euler_ancestral', 'dpmpp_2m']
export const LORAS = Array.from({ length: 21 }, (_, index) => `lora-${index}.safetensors`)

/**
 * A small `GET /object_info` in ComfyUI's own shapes: COMBOs in the old form (the list as the type,
 * `CheckpointLoaderSimple`, `LoadImage`) and the new one (`["COMBO", {options}]`, `KSampler`), a
 * `multiselect` COMBO, `hidden` inputs, output nodes with no outputs.
 */
export function objectInfo(): ObjectInfo {
  return {
    CheckpointLoaderSimple: node('CheckpointLoaderSimple', 'loaders', {
      input: {
        required: {
          ckpt_name: [CHECKPOINTS, { tooltip: 'The name of the checkpoint (model) to load.' }],
        },
      },
      output: ['MODEL', 'CLIP', 'VAE'],
    }),
    LoraLoaderModelOnly: node('LoraLoaderModelOnly', 'loaders', {
      input: {
        required: {
          model: ['MODEL'],
          lora_name: [LORAS],
          strength_model: ['FLOAT', { default: 1, min: -100, max: 100, step: 0.01 }],
        },
      },
      output: ['MODEL'],
    }),
    CLIPTextEncode: node('CLIPTextEncode', 'conditioning', {
      input: {
        required: {
          text: ['STRING', { multiline: true, dynamicPrompts: true }],
          clip: ['CLIP', { tooltip: 'The CLIP model used for encoding the text.' }],
        },
      },
      output: ['CONDITIONING'],
    }),
    EmptyLatentImage: node('EmptyLatentImage', 'latent', {
      input: {
        required: {
          width: ['INT', { default: 512, min: 16, max: 16384, step: 8 }],
          height: ['INT', { default: 512, min: 16, max: 16384, step: 8 }],
          batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
        },
      },
      output: ['LATENT'],
    }),
    KSampler: node('KSampler', 'sampling', {
      input: {
        required: {
          model: ['MODEL'],
          // 0xffffffffffffffff, as JSON.parse reads it.
          seed: [
            'INT',
            { default: 0, min: 0, max: Number('18446744073709551615'), control_after_generate: true },
          ],
          steps: ['INT', { default: 20, min: 1, max: 10000 }],
          cfg: ['FLOAT', { default: 8, min: 0, max: 100, step: 0.1, round: 0.01 }],
          sampler_name: ['COMBO', { options: SAMPLERS }],
          scheduler: ['COMBO', { options: ['simple', 'karras'] }],
          positive: ['CONDITIONING'],
          negative: ['CONDITIONING'],
          latent_image: ['LATENT'],
          denoise: ['FLOAT', { default: 1, min: 0, max: 1, step: 0.01 }],
        },
      },
      output: ['LATENT'],
    }),
    VAEDecode: node('VAEDecode', 'latent', {
      input: { required: { samples: ['LATENT'], vae: ['VAE'] } },
      output: ['IMAGE'],
    }),
    LoadImage: node('LoadImage', 'image', {
      input: { required: { image: [['example.png'], { image_upload: true }] } },
      output: ['IMAGE', 'MASK'],
    }),
    SaveImage: node('SaveImage', 'image', {
      input: {
        required: { images: ['IMAGE'], filename_prefix: ['STRING', { default: 'ComfyUI' }] },
        hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' },
      },
      output_node: true,
    }),
    PreviewImage: node('PreviewImage', 'image', {
      input: {
        required: { images: ['IMAGE'] },
        hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' },
      },
      output_node: true,
    }),
    TagPicker: node('TagPicker', 'utils', {
      input: {
        required: { mode: ['COMBO', { options: ['fast', 'slow'] }] },
        optional: { tags: ['COMBO', { options: ['a', 'b'], multiselect: true }] },
      },
      output_node: true,
      python_module: 'custom_nodes.tag_picker',
    }),
  }
}

/** The default text-to-image graph of ComfyUI's front end, as the API format writes it. */
export function txt2img(): Record<string, Record<string, unknown>> {
  return {
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: 156680208700286,
        steps: 20,
        cfg: 8,
        sampler_name: 'euler',
        scheduler: 'simple',
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
    },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a bottle with a galaxy inside', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'text, watermark', clip: ['4', 1] } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  }
}
