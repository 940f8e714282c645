import { redactText } from '../util/redact.js'
import { ComfyBalancerError } from './base.js'

/**
 * Turns anything thrown into a {@link ComfyBalancerError}, keeping ours as they are and wrapping
 * the rest (with the original as `cause` and a redacted message).
 */
export function toComfyBalancerError(error: unknown, context?: string): ComfyBalancerError {
  if (ComfyBalancerError.isInstance(error)) return error
  const text = error instanceof Error ? error.message : String(error)
  const message = redactText(context ? `${context}: ${text}` : text)
  return new ComfyBalancerError('UNEXPECTED', message, { cause: error })
}
