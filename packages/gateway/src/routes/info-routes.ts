import type { FastifyInstance, FastifyReply } from 'fastify'
import type { GatewayContext } from '../context.js'
import { FleetInfoUnavailableError } from '../fleet/index.js'

/**
 * The fleet's info routes as one ComfyUI: `/object_info` (every class any server has, COMBO lists
 * the union), `/object_info/{class}`, `/models`, `/models/{folder}` (404 when no server has it),
 * `/embeddings`, `/extensions`, `/features` (what every server supports) and `/system_stats`
 * (every server's devices, named by server).
 */
export function infoRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { fleet } = context
  const answer = async <T>(reply: FastifyReply, read: () => Promise<T>) => {
    try {
      return reply.send(await read())
    } catch (error) {
      if (error instanceof FleetInfoUnavailableError) return reply.code(503).send({ error: error.message })
      throw error
    }
  }
  app.get('/object_info', (_request, reply) => answer(reply, () => fleet.objectInfo()))
  app.get<{ Params: { name: string } }>('/object_info/:name', (request, reply) =>
    answer(reply, () => fleet.objectInfoOf(request.params.name)),
  )
  app.get('/models', (_request, reply) => answer(reply, () => fleet.modelFolders()))
  app.get<{ Params: { folder: string } }>('/models/:folder', async (request, reply) => {
    try {
      const files = await fleet.modelFiles(request.params.folder)
      // ComfyUI answers an unknown folder with a bare 404.
      return files === undefined ? reply.code(404).send() : reply.send(files)
    } catch (error) {
      if (error instanceof FleetInfoUnavailableError) return reply.code(503).send({ error: error.message })
      throw error
    }
  })
  app.get('/embeddings', (_request, reply) => answer(reply, () => fleet.embeddings()))
  app.get('/extensions', (_request, reply) => answer(reply, () => fleet.extensions()))
  app.get('/features', (_request, reply) => answer(reply, () => gatewayFeatures(context)))
  app.get('/system_stats', (_request, reply) =>
    answer(reply, async () => {
      const { system, devices } = await fleet.systemStats()
      // One server's command line (paths, flags) says nothing true of the fleet and may leak its layout.
      const { argv: _argv, ...rest } = system as Record<string, unknown>
      return { system: { ...rest, argv: [] }, devices }
    }),
  )
}

/**
 * The fleet's flags with the gateway's own: previews are relayed as the servers send them to the
 * gateway (legacy frames, since its sockets do not ask for metadata), and its body limit applies.
 */
export async function gatewayFeatures(context: GatewayContext): Promise<Record<string, unknown>> {
  let fleetFlags: Record<string, unknown> = {}
  try {
    fleetFlags = (await context.fleet.features()) as Record<string, unknown>
  } catch (error) {
    if (!(error instanceof FleetInfoUnavailableError)) throw error
  }
  const limit = context.settings.bodyLimitBytes
  const fleetLimit = typeof fleetFlags.max_upload_size === 'number' ? fleetFlags.max_upload_size : limit
  return { ...fleetFlags, supports_preview_metadata: false, max_upload_size: Math.min(limit, fleetLimit) }
}
