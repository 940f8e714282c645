import type { JsonObject } from './comfy-types'
import { versionAtLeast } from './version'

/** comfy/cli_args.py's `LatentPreviewMethod` values (`--preview-method`, `extra_data.preview_method`). */
export type PreviewMethod = 'none' | 'auto' | 'latent2rgb' | 'taesd'

/** A preview's image format: ComfyUI's latent previewers always make `JPEG`; `PNG` is format 2 of the frame. */
export type PreviewFormat = 'JPEG' | 'PNG'

/**
 * Live previews, as a ComfyUI sampler sends them while it runs (latent_preview.py's callback: one
 * preview with each step's progress). Configuring this makes every `SimWork` node work in `steps`
 * sampler steps — `progress` k/steps after each, its work spread evenly — instead of one
 * `progress` 1/1 at its end; a step carries a preview when the prompt's preview method is on.
 */
export interface PreviewOptions {
  /**
   * The server's `--preview-method`; default `'auto'` (previews on). A prompt's
   * `extra_data.preview_method` overrides it on 0.5.0+, as ComfyUI's `set_preview_method` does:
   * `'none'` turns them off for that prompt, another valid method on; `'default'`, an unknown value
   * or none at all keeps this one. With `'none'` here, only prompts that ask get previews, which is
   * stock ComfyUI with a front end that sends the setting.
   */
  method?: PreviewMethod
  /** Sampler steps of each `SimWork` node; default 4. A positive integer. */
  steps?: number
  /**
   * A preview with every n-th step only (steps n, 2n, …); default 1, every step, as ComfyUI does.
   * Fewer frames for tests that do not care.
   */
  everySteps?: number
  /** The image format; default `'JPEG'`, what every ComfyUI previewer returns. */
  format?: PreviewFormat
}

/** How one job steps and previews: decided when it starts (ComfyUI reads the override per prompt). */
export interface PreviewPlan {
  /** Sampler steps of each `SimWork` node. */
  readonly steps: number
  /** Steps between previews, or undefined when this prompt gets none. */
  readonly everySteps: number | undefined
  readonly format: PreviewFormat
}

/** The `type` of a model event with a preview for a client that negotiated `supports_preview_metadata`. */
export const PREVIEW_WITH_METADATA_EVENT = 'preview_image_with_metadata'
/** The `type` of a model event with a legacy preview (binary type 1). */
export const PREVIEW_IMAGE_EVENT = 'preview_image'

/** progress.py's preview metadata (server.py adds `image_type` when it encodes the frame). */
export interface PreviewMetadata {
  readonly node_id: string
  readonly prompt_id: string
  readonly display_node_id: string
  readonly parent_node_id: string | null
  readonly real_node_id: string
}

/**
 * The data of a preview event. ComfyUI sends a step's preview on one of two paths, and which one is
 * the server's call per socket (`sockets_metadata`), so the model emits both and the WebSocket hub
 * keeps the one that applies: {@link PREVIEW_WITH_METADATA_EVENT} comes before the step's
 * `progress` (progress.py's handler runs inside `update_progress`, before main.py's hook sends
 * `progress`) and goes only to a client that negotiated metadata; {@link PREVIEW_IMAGE_EVENT} comes
 * after it and goes to a client that did not, or to everyone for a job without a client id.
 */
export interface PreviewEventData {
  readonly format: PreviewFormat
  readonly image: Uint8Array
  readonly metadata: PreviewMetadata
}

const METHODS: readonly string[] = ['none', 'auto', 'latent2rgb', 'taesd']

/**
 * Checks the options once and returns what decides each job's plan: undefined (no previews, one
 * `progress` per `SimWork`) when previews are not configured.
 */
export function previewPlanner(
  options: PreviewOptions | false | undefined,
  version: string,
): (extraData: JsonObject) => PreviewPlan | undefined {
  if (options === undefined || options === false) return () => undefined
  const steps = positiveInteger('steps', options.steps ?? 4)
  const everySteps = positiveInteger('everySteps', options.everySteps ?? 1)
  const format = options.format ?? 'JPEG'
  if (format !== 'JPEG' && format !== 'PNG') throw new RangeError(`previews.format must be JPEG or PNG`)
  const method = options.method ?? 'auto'
  if (!METHODS.includes(method)) throw new RangeError(`previews.method must be one of ${METHODS.join(', ')}`)
  // Per-prompt overrides came with ComfyUI PR #11261, first released in 0.5.0.
  const overrides = versionAtLeast(version, [0, 5, 0])
  return (extraData) => {
    const asked = extraData.preview_method
    const chosen = overrides && typeof asked === 'string' && METHODS.includes(asked) ? asked : method
    return { steps, everySteps: chosen === 'none' ? undefined : everySteps, format }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`previews.${name} must be a positive integer, got ${value}`)
  }
  return value
}
