export { Catalog, type CatalogOptions, type InputSpec, type NodeClassSpec } from './catalog'
export { createComfyModel, INTERNAL_SERVER_ERROR_TEXT } from './comfy-model'
export type * from './comfy-types'
export { MAXIMUM_HISTORY_SIZE } from './history-store'
export type { ModelMemoryOptions } from './model-memory'
export type {
  ComfyModel,
  ComfyModelOptions,
  Endpoint,
  ExecutionLogEntry,
  Fault,
  FaultKind,
  HistoryQuery,
  JobOutcome,
  ModelClock,
  ModelEvent,
  SubmitContext,
  SubmitResult,
  WorkerFault,
} from './types'
export { ENDPOINTS } from './types'
