import {
  badLinkedInput,
  customValidationFailed,
  dependencyCycle,
  type InputInfo,
  innerException,
  outerException,
  outputsFailed,
  PyException,
  requiredInputMissing,
} from './errors'
import { classInfo, declaredInputs, inputInfo, outputsOf } from './object-info'
import { isJsonObject, pyRepr, pyTruthy, pyTypeName } from './python'
import type {
  ComfyErrorInfo,
  JsonObject,
  NodeError,
  ObjectInfo,
  ValidateInputsTable,
  ValidatePromptOptions,
} from './types'

/** `validate_prompt`'s verdict on the outputs: the valid ones, or the 400 error; node errors either way. */
export type OutputsVerdict =
  | { outputs: string[]; error?: undefined; nodeErrors: Record<string, NodeError> }
  | { outputs?: undefined; error: ComfyErrorInfo; nodeErrors: Record<string, NodeError> }

interface Verdict {
  readonly valid: boolean
  readonly errors: readonly ComfyErrorInfo[]
}

/**
 * `execution.validate_prompt` after its class check: each output validated through its links by
 * `validate_inputs` (v0.26.0), node errors gathered, the outputs that passed kept. `prompt` is the copy
 * that gets queued: like ComfyUI, validation unwraps `{"__value__": …}` inputs in place. Every node's
 * `class_type` must already be known to `objectInfo`. Not done: type conversion, min/max,
 * `return_type_mismatch` and the classes' own `VALIDATE_INPUTS`.
 */
export function validateOutputs(
  prompt: Record<string, JsonObject>,
  outputs: readonly string[],
  objectInfo: ObjectInfo,
  validatesOwn: ValidateInputsTable,
  ownChecks: ValidatePromptOptions['ownChecks'] = {},
): OutputsVerdict {
  const validated = new Map<string, Verdict>()
  const classOf = (nodeId: string) => prompt[nodeId]!.class_type as string
  const ownCheck = (classType: string, name: string) =>
    Object.hasOwn(validatesOwn, classType) && validatesOwn[classType]!.includes(name)

  const validateInputs = (nodeId: string, visiting: string[]): Verdict => {
    const done = validated.get(nodeId)
    if (done !== undefined) return done
    if (visiting.includes(nodeId)) return cycle(nodeId, visiting)
    const node = prompt[nodeId]!
    if (!Object.hasOwn(node, 'inputs')) throw new PyException('KeyError', "'inputs'")
    const classType = classOf(nodeId)
    const declared = declaredInputs(classInfo(objectInfo, classType))
    // `x not in inputs`: a list or string answers (nothing is in it here), anything else raises.
    const raw = node.inputs
    if (declared.length > 0 && !isJsonObject(raw) && !Array.isArray(raw) && typeof raw !== 'string') {
      throw new PyException('TypeError', `argument of type '${pyTypeName(raw)}' is not iterable`)
    }
    const inputs = isJsonObject(raw) ? raw : {}
    const errors: ComfyErrorInfo[] = []
    let valid = true
    for (const [name, config, required] of declared) {
      if (!Object.hasOwn(inputs, name)) {
        if (required) errors.push(requiredInputMissing(name))
        continue
      }
      const info = inputInfo(config)
      let value = inputs[name]
      if (Array.isArray(value)) {
        if (value.length !== 2) {
          errors.push(badLinkedInput(name, info, value))
          continue
        }
        const sourceId = linkedNodeId(prompt, value[0])
        slotOf(outputsOf(classInfo(objectInfo, classOf(sourceId))), value[1])
        // (ComfyUI checks the slot's type against the input's here: not done.)
        visiting.push(nodeId)
        try {
          if (!validateInputs(sourceId, visiting).valid) valid = false
        } catch (error) {
          if (!(error instanceof PyException)) throw error
          valid = false
          validated.set(sourceId, { valid: false, errors: [innerException(error, name, info, value)] })
        } finally {
          visiting.pop()
        }
        continue
      }
      if (isJsonObject(value) && Object.hasOwn(value, '__value__')) {
        value = value.__value__
        inputs[name] = value
      }
      if (ownCheck(classType, name)) continue
      const notInList = listCheck(name, info, value)
      if (notInList !== undefined) errors.push(notInList)
    }
    const check = Object.hasOwn(ownChecks, classType) ? ownChecks[classType] : undefined
    if (check !== undefined && valid && errors.length === 0) {
      const taken = Object.fromEntries(
        (validatesOwn[classType] ?? [])
          .filter((name) => Object.hasOwn(inputs, name))
          .map((name) => [name, inputs[name]]),
      )
      const said = check(taken)
      if (said !== true)
        for (const name of Object.keys(taken)) errors.push(customValidationFailed(name, said))
    }
    // A cycle found below this node may already have put an error on it: join it.
    const prior = validated.get(nodeId) ?? { valid: true, errors: [] }
    const fresh = errors.filter((error) => !prior.errors.some((seen) => sameJson(seen, error)))
    const verdict = {
      valid: prior.valid && valid && errors.length === 0,
      errors: [...prior.errors, ...fresh],
    }
    validated.set(nodeId, verdict)
    return verdict
  }

  const cycle = (nodeId: string, visiting: readonly string[]): Verdict => {
    const path = [...visiting.slice(visiting.indexOf(nodeId)), nodeId]
    const cycleNodes = [...new Set(path)]
    const details = path.map((id) => `${id} (${classOf(id)})`).join(' -> ')
    for (const id of cycleNodes) {
      validated.set(id, { valid: false, errors: [dependencyCycle(id, [...cycleNodes], details)] })
    }
    return validated.get(nodeId)!
  }

  const good: string[] = []
  const failed: ComfyErrorInfo[] = []
  const nodeErrors: Record<string, NodeError> = {}
  for (const output of outputs) {
    let verdict: Verdict
    try {
      verdict = validateInputs(output, [])
    } catch (error) {
      if (!(error instanceof PyException)) throw error
      verdict = { valid: false, errors: [outerException(error)] }
      validated.set(output, verdict)
    }
    if (verdict.valid) {
      good.push(output)
      continue
    }
    failed.push(...verdict.errors)
    // Every node found invalid so far, with errors of its own, lists this output (as ComfyUI does, also
    // a node another output's validation found); a node invalid only through its inputs is left out.
    for (const [nodeId, result] of validated) {
      if (result.valid || result.errors.length === 0) continue
      nodeErrors[nodeId] ??= {
        errors: [...result.errors],
        dependent_outputs: [],
        class_type: classOf(nodeId),
      }
      nodeErrors[nodeId].dependent_outputs.push(output)
    }
  }
  const errorsOut = structuredClone(nodeErrors)
  if (good.length > 0) return { outputs: good, nodeErrors: errorsOut }
  return { error: outputsFailed(failed), nodeErrors: errorsOut }
}

/** `prompt[o_id]`: KeyError for an id the prompt lacks, TypeError for a list or dict as id. */
function linkedNodeId(prompt: Record<string, JsonObject>, id: unknown): string {
  if (typeof id === 'string' && Object.hasOwn(prompt, id)) return id
  if (typeof id === 'object' && id !== null) {
    throw new PyException('TypeError', `unhashable type: '${pyTypeName(id)}'`)
  }
  throw new PyException('KeyError', pyRepr(id))
}

/** `RETURN_TYPES[slot]` of the linked class, raising as Python's tuple indexing does. */
function slotOf(returns: readonly unknown[], slot: unknown): void {
  if (typeof slot !== 'boolean' && !(typeof slot === 'number' && Number.isInteger(slot))) {
    throw new PyException('TypeError', `tuple indices must be integers or slices, not ${pyTypeName(slot)}`)
  }
  const index = Number(slot)
  if (index >= returns.length || index < -returns.length) {
    throw new PyException('IndexError', 'tuple index out of range')
  }
}

/** The COMBO check: a list input type, or `COMBO` with `options`; `multiselect` checks each value. */
function listCheck(name: string, info: InputInfo, value: unknown): ComfyErrorInfo | undefined {
  const [type, extra] = info
  let options: unknown[]
  if (Array.isArray(type)) options = type
  else if (type === 'COMBO') options = Array.isArray(extra.options) ? extra.options : []
  else return undefined
  const invalid =
    pyTruthy(extra.multiselect) && Array.isArray(value)
      ? value.filter((item) => !options.some((option) => sameJson(option, item)))
      : options.some((option) => sameJson(option, value))
        ? []
        : [value]
  if (invalid.length === 0) return undefined
  // ComfyUI does not send back long lists (say, hundreds of scanned model files).
  const long = options.length > 20
  const listInfo = long ? `(list of length ${options.length})` : pyRepr(options)
  return {
    type: 'value_not_in_list',
    message: 'Value not in list',
    details: `${name}: ${invalid.map(pyRepr).join(', ')} not in ${listInfo}`,
    extra_info: { input_name: name, input_config: long ? null : info, received_value: value },
  }
}

/** Python's `==` between parsed JSON values: numbers and booleans by value, containers deeply. */
function sameJson(a: unknown, b: unknown): boolean {
  const numeric = (value: unknown) => typeof value === 'number' || typeof value === 'boolean'
  if (numeric(a) && numeric(b)) return Number(a) === Number(b)
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    )
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a)
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
    )
  }
  return a === b
}
