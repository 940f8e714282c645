export { type FileRef, parseAnnotatedPath } from './annotated-path'
export {
  isJsonObject,
  PythonError,
  pyContains,
  pyFloat,
  pyGet,
  pyInt,
  pyIterate,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
} from './python'
export type {
  ComfyErrorInfo,
  InputConfig,
  JsonObject,
  NodeError,
  NodeInfo,
  ObjectInfo,
  PromptAccepted,
  PromptRefused,
  ValidateInputsTable,
  ValidatePromptOptions,
  ValidatePromptResult,
} from './types'
export { COMFYUI_VALIDATE_INPUTS, validatePrompt } from './validate-prompt'
export { versionAtLeast } from './version'
