/** Reading a `GET /object_info` document the way `nodes.NODE_CLASS_MAPPINGS` is read in execution.py. */

import type { InputInfo } from './errors'
import { isJsonObject } from './python'
import type { InputConfig, JsonObject, NodeInfo, ObjectInfo } from './types'

/** One declared input: its name, its `/object_info` config, whether it is required. */
export type DeclaredInput = readonly [name: string, config: InputConfig, required: boolean]

/** Whether the server has the class (own keys only: `constructor` or `__proto__` are no classes). */
export function hasClass(objectInfo: ObjectInfo, name: string): boolean {
  return Object.hasOwn(objectInfo, name)
}

/** The class's entry, or undefined for a class the document lacks. */
export function classInfo(objectInfo: ObjectInfo, name: string): NodeInfo | undefined {
  return hasClass(objectInfo, name) ? objectInfo[name] : undefined
}

/** `OUTPUT_NODE is True`, as `output_node` reports it. */
export function isOutputNode(info: NodeInfo | undefined): boolean {
  return info?.output_node === true
}

/** `RETURN_TYPES`, as `output` reports it (none when absent). */
export function outputsOf(info: NodeInfo | undefined): readonly unknown[] {
  return Array.isArray(info?.output) ? info.output : []
}

/** `required` then `optional` inputs, each in the order the document lists them; `hidden` ones are not validated. */
export function declaredInputs(info: NodeInfo | undefined): DeclaredInput[] {
  const input: unknown = info?.input
  if (!isJsonObject(input)) return []
  const group = (key: 'required' | 'optional', required: boolean): DeclaredInput[] => {
    const configs = input[key]
    if (!isJsonObject(configs)) return []
    return Object.entries(configs).map(([name, config]) => [name, config as InputConfig, required])
  }
  return [...group('required', true), ...group('optional', false)]
}

/**
 * `get_input_info`'s `(input_type, extra_info)`: the config's type (a COMBO's list copied) and its
 * options, `{}` when it has none. A copy: errors carry it, and the document stays untouched.
 */
export function inputInfo(config: InputConfig): InputInfo {
  const [type, options] = Array.isArray(config) ? config : [config]
  const extra = isJsonObject(options) ? (structuredClone(options) as JsonObject) : {}
  return [Array.isArray(type) ? [...type] : type, extra]
}
