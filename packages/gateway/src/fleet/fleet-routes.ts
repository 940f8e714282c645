import {
  type Features,
  isFeatures,
  isObjectInfo,
  isStringList,
  isSystemStats,
  type ObjectInfo,
  type SystemStats,
} from './comfy-shapes'
import { mergeFeatures } from './merge-features'
import { mergeEmbeddings, mergeExtensions, mergeModelFiles, mergeModelFolders } from './merge-lists'
import { mergeObjectInfo } from './merge-object-info'
import { mergeSystemStats } from './merge-system-stats'
import type { ServerAnswer } from './server-answer'

/** How one info route is read from each server and merged into the fleet's answer. */
export interface FleetRouteSpec<T, R> {
  /** Whether a 200 body has the route's shape (a `wrongShape` answer counts as a failure). */
  readonly accepts: (body: unknown) => body is T
  /** The fleet's answer from those of the servers that answered (at least one). */
  readonly merge: (answers: readonly ServerAnswer<T>[]) => R
  /** `/object_info`: its own timeout, byte limit and TTL, refreshed in the background. */
  readonly big: boolean
  /**
   * What a 404 means, when it is an answer rather than a failure: `/models/{folder}` of a folder that
   * server lacks (`undefined`), or `/features` on a ComfyUI older than 0.3.45, which has no flags.
   */
  readonly notFound?: () => T
}

const isFileList = (body: unknown): body is string[] | undefined => body === undefined || isStringList(body)

/** The fleet info routes. */
export const FLEET_ROUTES = {
  objectInfo: {
    accepts: isObjectInfo,
    merge: mergeObjectInfo,
    big: true,
  } satisfies FleetRouteSpec<ObjectInfo, ObjectInfo>,
  modelFolders: {
    accepts: isStringList,
    merge: mergeModelFolders,
    big: false,
  } satisfies FleetRouteSpec<string[], string[]>,
  modelFiles: {
    accepts: isFileList,
    merge: mergeModelFiles,
    big: false,
    notFound: () => undefined,
  } satisfies FleetRouteSpec<string[] | undefined, string[] | undefined>,
  embeddings: {
    accepts: isStringList,
    merge: mergeEmbeddings,
    big: false,
  } satisfies FleetRouteSpec<string[], string[]>,
  extensions: {
    accepts: isStringList,
    merge: mergeExtensions,
    big: false,
  } satisfies FleetRouteSpec<string[], string[]>,
  features: {
    accepts: isFeatures,
    merge: mergeFeatures,
    big: false,
    // Counting an old server as "no features" keeps the merge from claiming flags it lacks.
    notFound: () => ({}),
  } satisfies FleetRouteSpec<Features, Features>,
  systemStats: {
    accepts: isSystemStats,
    merge: mergeSystemStats,
    big: false,
  } satisfies FleetRouteSpec<SystemStats, SystemStats>,
}
