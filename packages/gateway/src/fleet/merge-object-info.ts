import { isJsonObject, type NodeInfo, type ObjectInfo } from './comfy-shapes'
import { orderedUnion } from './ordered-union'
import type { ServerAnswer } from './server-answer'

/**
 * `GET /object_info` for a fleet: every node class any server has. A class several servers have
 * keeps the first server's definition, except that each COMBO input lists the options of every
 * server (the first server's, in its order, then the others' new ones), in both of ComfyUI's forms:
 * `[["a.safetensors", …], {…}]` and `["COMBO", {"options": [...], …}]`.
 *
 * Why the union: a client builds workflows from this answer, and the gateway places each workflow on
 * a server that has its classes and files. A model file only one server holds must be pickable, or
 * that server's models could never be used through the gateway.
 *
 * Never mutates its input; a class only one server has, or whose lists are the same everywhere, is
 * the very object that server sent (no copy of a 100 MB answer).
 *
 * @example
 * ```ts
 * mergeObjectInfo([
 *   { serverId: 'gpu-a', info: { VAELoader: { input: { required: { vae_name: [['a.safetensors']] } } } } },
 *   { serverId: 'gpu-b', info: { VAELoader: { input: { required: { vae_name: [['b.safetensors']] } } } } },
 * ]) // VAELoader.input.required.vae_name → [['a.safetensors', 'b.safetensors']]
 * ```
 */
export function mergeObjectInfo(perServer: readonly ServerAnswer<ObjectInfo>[]): ObjectInfo {
  const byClass = new Map<string, NodeInfo[]>()
  for (const { info } of perServer) {
    for (const [name, definition] of Object.entries(info)) {
      const list = byClass.get(name)
      if (list === undefined) byClass.set(name, [definition])
      else list.push(definition)
    }
  }
  // fromEntries defines own properties, so a class named `__proto__` cannot reach the prototype.
  return Object.fromEntries(
    [...byClass].map(([name, definitions]) => [name, mergeNodeInfo(definitions)] as const),
  )
}

/** The first definition, each of its COMBO inputs listing the options of all `definitions`. */
function mergeNodeInfo(definitions: readonly NodeInfo[]): NodeInfo {
  const [first, ...others] = definitions
  if (first === undefined) return {}
  const input = first.input
  if (others.length === 0 || !isJsonObject(input)) return first
  let mergedInput: Record<string, unknown> | undefined
  for (const [section, specs] of Object.entries(input)) {
    // `hidden` maps names to strings (`"PROMPT"`), not to input specs: nothing to merge there.
    if (!isJsonObject(specs)) continue
    let mergedSection: Record<string, unknown> | undefined
    for (const [name, spec] of Object.entries(specs)) {
      const options = comboOptions(spec)
      if (options === undefined) continue
      const lists = [options, ...others.map((other) => optionsOf(other, name) ?? [])]
      const union = orderedUnion(lists)
      // The union starts with the first list, so an equal length means nothing was added.
      if (union.length === options.length) continue
      mergedSection ??= { ...specs }
      mergedSection[name] = withOptions(spec as unknown[], union)
    }
    if (mergedSection === undefined) continue
    mergedInput ??= { ...input }
    mergedInput[section] = mergedSection
  }
  return mergedInput === undefined ? first : { ...first, input: mergedInput }
}

/**
 * The options of input `name` in another server's definition, whichever section it is in: a newer
 * ComfyUI may have moved an input from `optional` to `required`, and its files still count.
 */
function optionsOf(definition: NodeInfo, name: string): readonly unknown[] | undefined {
  const input = definition.input
  if (!isJsonObject(input)) return undefined
  for (const specs of Object.values(input)) {
    if (!isJsonObject(specs) || !Object.hasOwn(specs, name)) continue
    const options = comboOptions(specs[name])
    if (options !== undefined) return options
  }
  return undefined
}

/** A COMBO input's option list in either form, or undefined for any other input. */
export function comboOptions(spec: unknown): readonly unknown[] | undefined {
  if (!Array.isArray(spec)) return undefined
  const [type, options] = spec as [unknown, unknown]
  // The classic form: the list itself stands where the type name would be.
  if (Array.isArray(type)) return type
  // The V3 form (`io.Combo`, `IO.COMBO`): the type name, then `options` among the input's settings.
  if (type === 'COMBO' && isJsonObject(options) && Array.isArray(options.options)) return options.options
  return undefined
}

/** A copy of a COMBO spec with another option list, in the spec's own form. */
function withOptions(spec: readonly unknown[], options: unknown[]): unknown[] {
  const [type, settings, ...rest] = spec
  if (Array.isArray(type)) return spec.length === 1 ? [options] : [options, settings, ...rest]
  return [type, { ...(settings as Record<string, unknown>), options }, ...rest]
}
