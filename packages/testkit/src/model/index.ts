export { Catalog, type CatalogOptions, type InputSpec, type NodeClassSpec } from './catalog'
export { createComfyModel, INTERNAL_SERVER_ERROR_TEXT } from './comfy-model'
export type * from './comfy-types'
export { MAXIMUM_HISTORY_SIZE } from './history-store'
export type { ModelMemoryOptions } from './model-memory'
export {
  BinaryEventTypes,
  encodePreviewFrame,
  encodePreviewWithMetadataFrame,
  type ParsedBinaryFrame,
  parseBinaryFrame,
  previewImage,
} from './preview-frames'
export {
  PREVIEW_IMAGE_EVENT,
  PREVIEW_WITH_METADATA_EVENT,
  type PreviewEventData,
  type PreviewFormat,
  type PreviewMetadata,
  type PreviewMethod,
  type PreviewOptions,
} from './previews'
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
