/**
 * The shapes validation reads (a `GET /object_info` document) and answers (`POST /prompt`'s
 * `error` and `node_errors`), as ComfyUI v0.26.0's server.py and execution.py send them.
 */

/** A JSON object as ComfyUI passes it around untouched (graphs, `extra_data`, input options). */
export type JsonObject = { [key: string]: unknown }

/** One validation error, top-level (`error`) or per node (`node_errors[id].errors`). */
export interface ComfyErrorInfo {
  type: string
  message: string
  details: string
  extra_info: JsonObject
}

/** Per-node validation errors, in a 400 or in a 200 that dropped some outputs. */
export interface NodeError {
  errors: ComfyErrorInfo[]
  /** The outputs whose validation found this node invalid (ComfyUI's list, quirks included). */
  dependent_outputs: string[]
  class_type: string
}

/**
 * One input as `/object_info` describes it: `[type]` or `[type, options]`. The type is a name
 * (`"INT"`, `"MODEL"`, `"COMBO"` with `options.options`) or, in the older COMBO form, the list of
 * allowed values itself (a model folder's files, say).
 */
export type InputConfig = readonly [type: string | readonly unknown[], options?: JsonObject]

/** One class of `GET /object_info` (or `/object_info/{class}`): the fields validation reads. */
export interface NodeInfo {
  readonly input?: {
    readonly required?: Readonly<Record<string, InputConfig>>
    readonly optional?: Readonly<Record<string, InputConfig>>
    readonly hidden?: Readonly<Record<string, unknown>>
  }
  /** `RETURN_TYPES`: a link's slot must index it. */
  readonly output?: readonly unknown[]
  /** `OUTPUT_NODE`: the prompt's outputs are the nodes of these classes. */
  readonly output_node?: boolean
  readonly [field: string]: unknown
}

/** A `GET /object_info` document: every class the server can run, by name. */
export type ObjectInfo = Readonly<Record<string, NodeInfo>>

/** Per class, the inputs its own `VALIDATE_INPUTS` takes (ComfyUI then skips their list check). */
export type ValidateInputsTable = Readonly<Record<string, readonly string[]>>

/** How {@link validatePrompt} judges a prompt. */
export interface ValidatePromptOptions {
  /**
   * The server's ComfyUI version (`system_stats.system.comfyui_version`), which selects the error
   * shapes: before 0.12.0 an unknown or missing `class_type` is `invalid_prompt`; before 0.25.0 a
   * client `prompt_id` is taken as `str()` of it, unchecked; before 0.3.48
   * `partial_execution_targets` is ignored. Default: the newest behaviour (v0.26.0); a version that
   * does not parse as `major.minor[.patch]` counts as new.
   */
  readonly version?: string
  /**
   * The body's `prompt_id` as sent (`undefined` or `null`: none, the server makes one). Since 0.25.0
   * anything but a canonical lowercase hyphenated UUID answers `invalid_prompt_id`.
   */
  readonly promptId?: unknown
  /** The body's `partial_execution_targets` as sent: only the output nodes it names are validated and run. */
  readonly partialExecutionTargets?: unknown
  /**
   * The classes whose own `VALIDATE_INPUTS` takes an input, by class: ComfyUI skips the COMBO list
   * check for those inputs and runs the class's check instead, which this package cannot (it needs the
   * server's files). `/object_info` does not say which classes have one. Replaces the default,
   * {@link COMFYUI_VALIDATE_INPUTS}; spread that in to extend it.
   */
  readonly validateInputs?: ValidateInputsTable
  /**
   * The classes' own `VALIDATE_INPUTS`, where you can run them (a server that knows its files, say
   * `LoadImage` checking its input folder): called with the inputs the class takes (by
   * {@link validateInputs}) once its other inputs passed; `true` passes, a string (the reason) or
   * `false` fails as ComfyUI reports it — `custom_validation_failed`, one error per input taken.
   */
  readonly ownChecks?: Readonly<
    Record<string, (inputs: Readonly<Record<string, unknown>>) => true | false | string>
  >
}

/** A prompt ComfyUI would queue: the outputs to run, and the errors of those it dropped. */
export interface PromptAccepted {
  readonly ok: true
  /** The client's `prompt_id` as the server will use it; absent when the server makes one (a uuid4). */
  readonly promptId?: string
  /** The graph as ComfyUI queues it: a copy, with `{"__value__": v}` inputs unwrapped to `v`. */
  readonly prompt: Record<string, JsonObject>
  /** `outputs_to_execute`: the output node ids that passed, in the prompt's order. */
  readonly outputs: string[]
  /** The dropped outputs' node errors: the 200 body's `node_errors` (often `{}`). */
  readonly nodeErrors: Record<string, NodeError>
}

/** A prompt ComfyUI would refuse: the 400 body is `{ error, node_errors: nodeErrors }`. */
export interface PromptRefused {
  readonly ok: false
  readonly error: ComfyErrorInfo
  readonly nodeErrors: Record<string, NodeError>
}

/** What {@link validatePrompt} decides. */
export type ValidatePromptResult = PromptAccepted | PromptRefused
