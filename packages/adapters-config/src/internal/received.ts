import { redactText } from '@comfy-balancer/core/internal'

/** Shown instead of a value that may carry credentials (server lists with headers). */
export const HIDDEN = '(hidden: may hold credentials)'

/** A short, redacted, quoted rendering of a raw setting, in the same style as core's issues. */
export function received(value: string): string {
  const text = JSON.stringify(redactText(value))
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
