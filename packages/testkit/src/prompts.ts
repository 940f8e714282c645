import type { PromptGraph } from './model/comfy-types'

/**
 * A prompt whose one node is a `SimWork` output of `ms` work at speed 1: the smallest job the
 * simulated servers run. `fail: true` makes the job end with `execution_error`.
 *
 * @example
 * ```ts
 * await balancer.submit(simWorkPrompt(2_000))
 * await balancer.submit(simWorkPrompt(100, { fail: true }))
 * ```
 */
export function simWorkPrompt(ms: number, options: { readonly fail?: boolean } = {}): PromptGraph {
  const inputs = options.fail === true ? { ms, fail: true } : { ms }
  return { '1': { class_type: 'SimWork', inputs } }
}
