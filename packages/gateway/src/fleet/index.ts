/**
 * The fleet's info routes as one virtual ComfyUI: pure merges of what each server answers, and
 * {@link FleetInfo}, which reads, caches and merges them.
 */
export type {
  DeviceStats,
  Features,
  JsonObject,
  NodeInfo,
  ObjectInfo,
  SystemStats,
} from './comfy-shapes'
export {
  type FleetInfoErrorCode,
  FleetInfoUnavailableError,
  FleetRequestError,
  type FleetRequestFailure,
  type FleetRoutePath,
} from './errors'
export { FleetInfo } from './fleet-info'
export { FLEET_INFO_DEFAULTS, type FleetClock, type FleetInfoOptions } from './fleet-info-options'
export { mergeFeatures } from './merge-features'
export { mergeEmbeddings, mergeExtensions, mergeModelFiles, mergeModelFolders } from './merge-lists'
export { comboOptions, mergeObjectInfo } from './merge-object-info'
export { mergeSystemStats } from './merge-system-stats'
export type { FleetTimers } from './read-json'
export type { ServerAnswer } from './server-answer'
export type { FleetServer } from './server-target'
export { compareVersions } from './version-order'
