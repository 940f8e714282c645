import { isJsonObject, type JsonObject } from '@comfy-balancer/comfyui-rules'

/**
 * The JSON shapes of ComfyUI's info routes, as far as the fleet merges need to know them, with
 * guards that tell a usable answer from a broken one. The guards check only what the merges read:
 * anything else is passed through untouched, so fields newer ComfyUI versions add still reach clients.
 */

/** A plain JSON object, and its guard: comfyui-rules' own. */
export { isJsonObject, type JsonObject }

/** One node class as `/object_info` describes it (`input`, `output`, `category`, …). */
export type NodeInfo = JsonObject

/** `GET /object_info`: node class name → its definition. */
export type ObjectInfo = Record<string, NodeInfo>

/** `GET /features`: flag name → value (booleans, `max_upload_size` in bytes, nested groups). */
export type Features = JsonObject

/** One device of `/system_stats` (`name`, `type`, `index`, VRAM figures). */
export interface DeviceStats extends JsonObject {
  name: string
}

/** `GET /system_stats`: the `system` block (versions, RAM, argv) and the devices. */
export interface SystemStats extends JsonObject {
  system: JsonObject
  devices: DeviceStats[]
}

/** `/object_info`: an object of objects (a `wrongShape` answer such as `[42]` is refused). */
export function isObjectInfo(value: unknown): value is ObjectInfo {
  return isJsonObject(value) && Object.values(value).every(isJsonObject)
}

/** `/models`, `/models/{folder}`, `/embeddings`, `/extensions`: a list of strings. */
export function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/** `/features`: an object. */
export function isFeatures(value: unknown): value is Features {
  return isJsonObject(value)
}

/** `/system_stats`: a `system` object and a list of devices that each have a name. */
export function isSystemStats(value: unknown): value is SystemStats {
  return (
    isJsonObject(value) &&
    isJsonObject(value.system) &&
    Array.isArray(value.devices) &&
    value.devices.every((device) => isJsonObject(device) && typeof device.name === 'string')
  )
}
