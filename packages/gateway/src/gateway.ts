import { randomUUID } from 'node:crypto'
import multipart from '@fastify/multipart'
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance } from 'fastify'
import { TokenCheck } from './auth.js'
import type { GatewayContext } from './context.js'
import { UnsafeBindError } from './errors.js'
import { FleetInfo } from './fleet/index.js'
import type { PromptValidator } from './jobs/accept-prompt.js'
import { fleetValidator } from './jobs/fleet-validator.js'
import { HandOvers } from './jobs/hand-overs.js'
import { runJob } from './jobs/job-runner.js'
import { JobTable } from './jobs/job-table.js'
import { metricsRoute } from './metrics/index.js'
import { type GatewayOptions, gatewaySettings, isLoopback } from './options.js'
import { healthRoutes, PUBLIC_PATHS } from './routes/health-routes.js'
import { infoRoutes } from './routes/info-routes.js'
import { jobRoutes } from './routes/job-routes.js'
import { jobsApiRoutes } from './routes/jobs-api.js'
import { statusPage } from './routes/status-page.js'
import { uploadRoutes } from './routes/upload-routes.js'
import { viewRoute } from './routes/view-route.js'
import { wsRoute } from './routes/ws-route.js'
import { fromOtherGateway, takeOver } from './state/from-other-gateway.js'
import { RedisGatewayStore } from './state/redis-store.js'
import { SqliteGatewayStore } from './state/sqlite-store.js'
import { UploadPlacer } from './uploads/place-uploads.js'
import { Uploads } from './uploads/uploads.js'
import { ClientSockets } from './ws/client-sockets.js'

/** A running gateway. */
export interface Gateway {
  /** The fastify app (for tests: `inject`; for adding routes before `listen`). */
  readonly app: FastifyInstance
  /** Starts listening; resolves with the URL clients use, e.g. `http://127.0.0.1:8188`. */
  listen(): Promise<string>
  /** Stops taking requests, closes client sockets; prompts already on servers run on there. */
  close(): Promise<void>
  /** Prompts taken and not finished yet. */
  readonly unfinished: number
}

/** Extra parts, mostly for tests. */
export interface GatewayParts {
  /** Validates a prompt before it is taken; default: the fleet's `/object_info`, as ComfyUI does. */
  readonly validate?: PromptValidator
  readonly now?: () => number
  readonly newId?: () => string
}

/**
 * A ComfyUI-compatible gateway in front of the balancer's servers: ComfyUI's HTTP routes and
 * WebSocket at `/` and `/api/`, each caller seeing its own prompts as one ComfyUI.
 */
export function createGateway(options: GatewayOptions, parts: GatewayParts = {}): Gateway {
  const settings = gatewaySettings(options)
  const tokens = new TokenCheck(settings.tokens)
  if (!isLoopback(settings.host) && !tokens.required && !settings.open)
    throw new UnsafeBindError(settings.host)
  const app = Fastify({ bodyLimit: settings.bodyLimitBytes, logger: false })
  const running = new Set<Promise<void>>()
  const shared = settings.redis === undefined ? undefined : new RedisGatewayStore(settings.redis)
  const store =
    shared ?? (settings.dataDir === undefined ? undefined : new SqliteGatewayStore(settings.dataDir))
  const uploads = new Uploads(store)
  let closing = false
  let sweeper: ReturnType<typeof setInterval> | undefined
  const balancer = options.balancer
  const fleet = new FleetInfo({
    // The balancer's servers as they are in force now, with their credentials (never logged).
    servers: () =>
      balancer.getSnapshot().servers.map((server) => {
        const target = balancer.requestTarget(server.id)
        return { id: server.id, url: target.base, headers: target.headers }
      }),
    onError: (serverId, route, error) => settings.log(`${serverId} ${route}: ${error.message}`),
  })
  const context: GatewayContext = {
    balancer,
    fleet,
    uploads,
    placer: new UploadPlacer(),
    jobs: new JobTable(settings.maxHistory, store, (error) =>
      settings.log(`state: a write failed: ${error instanceof Error ? error.message : String(error)}`),
    ),
    sockets: new ClientSockets(shared),
    bus: shared,
    tokens,
    settings,
    validate: parts.validate ?? fleetValidator(fleet, uploads, settings.log),
    now: parts.now ?? (() => Date.now()),
    newId: parts.newId ?? (() => randomUUID()),
    run(job, resume = false) {
      const done = runJob(context, job, resume).catch((error: unknown) => {
        settings.log(
          `job ${job.promptId}: the gateway failed to follow it: ${error instanceof Error ? error.message : String(error)}`,
        )
      })
      running.add(done)
      void done.finally(() => running.delete(done))
    },
    log: settings.log,
    jobEnded: [],
    jobRetried: [],
    handOvers: new HandOvers(),
    closing: () => closing,
  }
  app.register(websocket, { options: { maxPayload: settings.bodyLimitBytes } })
  app.register(multipart, { limits: { fileSize: settings.bodyLimitBytes, files: 1 } })
  // ComfyUI reads `await request.json()` whatever the content type says; clients rely on it
  // (@saintno/comfyui-sdk's POST /prompt goes out as text/plain).
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined)
    try {
      done(null, JSON.parse(body as string))
    } catch {
      done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }), undefined)
    }
  })
  app.decorateRequest('owner', '')
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!
    if (PUBLIC_PATHS.has(path)) return
    const query = request.query as Record<string, string | undefined>
    const owner = tokens.owner(request.headers.authorization, query.token)
    if (owner === undefined)
      return reply
        .code(401)
        .send({ error: 'unauthorized: give a token (Authorization: Bearer …, or ?token=)' })
    request.owner = owner
  })
  const routes = async (scope: FastifyInstance) => {
    jobRoutes(scope, context)
    infoRoutes(scope, context)
    viewRoute(scope, context)
    uploadRoutes(scope, context)
    wsRoute(scope, context)
  }
  app.register(async (scope) => {
    healthRoutes(scope, context)
    statusPage(scope, context)
    // Both only at the root: the jobs API's paths start with /api, and metrics must count once.
    metricsRoute(scope, context)
    jobsApiRoutes(scope, context)
    await routes(scope)
  })
  app.register(routes, { prefix: '/api' })
  return {
    app,
    async listen() {
      if (store !== undefined) {
        // What a previous process took: history back in place, unfinished prompts followed again.
        const { jobs, counter } = await store.load()
        await shared?.ready()
        shared?.subscribe((message) => fromOtherGateway(context, message))
        context.jobs.restore(jobs, counter)
        // Shared state: only this gateway's own prompts are its to follow; the others' runners do.
        const unfinished = context.jobs
          .unfinished()
          .filter((job) => shared === undefined || job.runner === shared.id)
        for (const job of unfinished) context.run(job, true)
        if (jobs.length > 0)
          settings.log(`state: ${jobs.length} prompts restored, ${unfinished.length} followed again`)
        if (shared !== undefined) {
          await takeOver(context)
          // A gateway that died without leaving is found when its heartbeat lapses.
          sweeper = setInterval(() => void takeOver(context).catch(() => undefined), 10_000)
          sweeper.unref?.()
        }
      }
      const address = await app.listen({ host: settings.host, port: settings.port })
      return address.replace('[::1]', 'localhost')
    },
    async close() {
      closing = true
      if (sweeper !== undefined) clearInterval(sweeper)
      // A prompt half-way to a server lands there (and is written down) before the state closes.
      await context.handOvers.idle(10_000)
      context.sockets.closeAll(1001, 'gateway shutting down')
      fleet.close()
      await app.close()
      await store?.close()
    },
    get unfinished() {
      return context.jobs.unfinished().length
    },
  }
}
