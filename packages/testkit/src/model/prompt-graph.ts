import { isJsonObject } from '@comfy-balancer/comfyui-rules'
import type { PromptGraph, PromptNode } from './comfy-types'

/** Whether a node writes an image file (and so has UI output). */
export function writesFile(node: PromptNode): boolean {
  return node.class_type === 'SaveImage' || node.class_type === 'SimWork'
}

/** Work of a `SimWork` node in ms at speed 1; other nodes cost nothing by themselves. */
export function simWorkMs(node: PromptNode): number {
  if (node.class_type !== 'SimWork') return 0
  const ms = node.inputs?.ms
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0
}

/** Whether a `SimWork` node is told to raise. */
export function failsOnRun(node: PromptNode): boolean {
  return node.class_type === 'SimWork' && node.inputs?.fail === true
}

/**
 * The nodes that run for these outputs, dependencies first: only ancestors of an output run, as in
 * ComfyUI. A link is an input value `[sourceNodeId, outputIndex]`.
 */
export function executionOrder(prompt: PromptGraph, outputs: readonly string[]): string[] {
  const order: string[] = []
  const seen = new Set<string>()
  const visit = (nodeId: string): void => {
    const node = prompt[nodeId]
    if (node === undefined || seen.has(nodeId)) return
    seen.add(nodeId)
    for (const value of Object.values(isJsonObject(node.inputs) ? node.inputs : {})) {
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string') visit(value[0])
    }
    order.push(nodeId)
  }
  for (const output of outputs) visit(output)
  return order
}
