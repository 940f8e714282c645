import type { DeviceStats, SystemStats } from './comfy-shapes'
import type { ServerAnswer } from './server-answer'
import { lowestVersion } from './version-order'

/**
 * `GET /system_stats` for a fleet, as one ComfyUI with many devices:
 * - `system` is the first answering server's, except `comfyui_version`, which is the lowest any
 *   server reports. Clients gate features and warnings on that version (the front end's required
 *   versions, SDKs choosing an API), and a job may run on the oldest server, so the gateway must not
 *   claim more than that server does.
 * - `devices` lists every server's devices, in server order, each `name` prefixed with its server's
 *   id (`gpu-a: cuda:0 NVIDIA H200 : cudaMallocAsync`): a status page then shows the whole fleet's
 *   memory, and two `cuda:0` of different servers stay apart.
 *
 * Throws a `TypeError` for an empty list: there is no `system` to report (the caller decides what
 * to answer when no server did).
 */
export function mergeSystemStats(perServer: readonly ServerAnswer<SystemStats>[]): SystemStats {
  const first = perServer[0]
  if (first === undefined) throw new TypeError('mergeSystemStats: no server answered, so there is no system.')
  const versions = perServer.flatMap(({ info }) => {
    const version = info.system.comfyui_version
    return typeof version === 'string' ? [version] : []
  })
  const lowest = lowestVersion(versions)
  const system = lowest === undefined ? first.info.system : { ...first.info.system, comfyui_version: lowest }
  const devices = perServer.flatMap(({ serverId, info }) =>
    info.devices.map((device): DeviceStats => ({ ...device, name: `${serverId}: ${device.name}` })),
  )
  return { ...first.info, system, devices }
}
