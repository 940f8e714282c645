import type { LoadBalancer } from '@comfy-balancer/core'
import type { TokenCheck } from './auth.js'
import type { FleetInfo } from './fleet/index.js'
import type { PromptValidator } from './jobs/accept-prompt.js'
import type { GatewayJob } from './jobs/gateway-job.js'
import type { HandOvers } from './jobs/hand-overs.js'
import type { JobTable } from './jobs/job-table.js'
import type { GatewaySettings } from './options.js'
import type { GatewayBus } from './state/gateway-bus.js'
import type { UploadPlacer } from './uploads/place-uploads.js'
import type { Uploads } from './uploads/uploads.js'
import type { ClientSockets } from './ws/client-sockets.js'

/** What the routes share: the balancer, the gateway's jobs and sockets, and its settings. */
export interface GatewayContext {
  readonly balancer: LoadBalancer
  readonly jobs: JobTable
  readonly sockets: ClientSockets
  readonly tokens: TokenCheck
  readonly settings: GatewaySettings
  readonly validate: PromptValidator
  /** Files clients uploaded, kept until a prompt that names them is placed. */
  readonly uploads: Uploads
  /** Puts a prompt's uploads on its server before the prompt is posted there. */
  readonly placer: UploadPlacer
  /** To the other gateways sharing this one's state (Redis), when there are any. */
  readonly bus?: GatewayBus | undefined
  /** The fleet's `/object_info`, `/models`, … read from every server, merged and cached. */
  readonly fleet: FleetInfo
  readonly now: () => number
  readonly newId: () => string
  /** One line per job and per problem. */
  readonly log: (line: string) => void
  /** Starts running a taken job (its outcome lands in the job table); `resume`: one a previous process took. */
  run(job: GatewayJob, resume?: boolean): void
  /** Called once per job when it ends (success, error or interrupted; not when removed unrun). */
  readonly jobEnded: Array<(job: GatewayJob) => void>
  /** Prompts being posted to a server now: a stopping gateway waits for them. */
  readonly handOvers: HandOvers
  /** Called each time a job is run again elsewhere (its run failed, or its server lost it). */
  readonly jobRetried: Array<(job: GatewayJob) => void>
  /** True while the gateway shuts down: a job cut off then is left for the next process. */
  readonly closing: () => boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: `''` on an open gateway, else the id of the caller's token. */
    owner: string
  }
}
