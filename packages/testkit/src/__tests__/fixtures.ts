import type { PromptGraph } from '../model/comfy-types'

/** A prompt whose only node is a `SimWork` output of `ms` work. */
export function simWork(ms: number, inputs: Record<string, unknown> = {}): PromptGraph {
  return { '1': { class_type: 'SimWork', inputs: { ms, ...inputs } } }
}

/** The doc's LoadImage → SaveImage example graph. */
export function loadAndSave(): PromptGraph {
  return {
    '1': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'ComfyUI' } },
  }
}

/** Canonical lowercase hyphenated UUIDs, as ComfyUI 0.25+ requires of client prompt ids. */
export const ID_A = '3f0c5a8e-6b1d-4c61-9a43-2d2f6a9d7b10'
export const ID_B = '8a1d2f64-0b7e-4f3a-9c55-6e2b1a7d9f02'
export const ID_C = 'c2b8e0f1-4d5a-4e6b-8f70-1a2b3c4d5e6f'

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
