import { InvalidArgumentError } from '../errors/server-errors.js'
import type { ComfyPrompt } from './types.js'
import { CANONICAL_UUID } from './wait.js'

/**
 * Rejects, before anything waits or is sent, a prompt that is not in API format, a prompt id
 * ComfyUI would refuse, and an id that was `submitted` already (ComfyUI does not deduplicate ids).
 */
export function checkPrompt(prompt: ComfyPrompt, promptId: string, submitted = false): void {
  if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) {
    throw new InvalidArgumentError(
      'submit expects a ComfyUI prompt in API format: { nodeId: { class_type, inputs } }.',
    )
  }
  if (!CANONICAL_UUID.test(promptId)) {
    throw new InvalidArgumentError(
      `promptId must be a lowercase hyphenated UUID (ComfyUI 0.25+ rejects anything else), received "${promptId}".`,
    )
  }
  if (submitted) {
    throw new InvalidArgumentError(`Prompt ${promptId} was already submitted: ComfyUI would run it twice.`)
  }
}
