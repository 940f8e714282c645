/** `@comfy-balancer/config/json`: the server list from a JSON object, file or URL. */

export type { ConfigExtras, ConfigLayer, ConfigLayerInput, LayeredConfigSource } from '../layer/types.js'
export type { JsonConfigDocument } from './document.js'
export type { JsonFileOptions } from './file-source.js'
export { type JsonConfigOptions, type JsonConfigTarget, jsonConfig } from './json-config.js'
export type { JsonUrlOptions } from './url-source.js'
