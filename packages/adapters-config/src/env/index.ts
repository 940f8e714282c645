/** `@comfy-balancer/config/env`: the server list from environment variables (Node, Vite, anything). */

export type { ConfigExtras, ConfigLayer, ConfigLayerInput, LayeredConfigSource } from '../layer/types.js'
export { type EnvConfigOptions, type EnvRecord, envConfig } from './env-config.js'
