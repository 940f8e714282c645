import { ComfyBalancerError } from './base.js'

/** One server's shortfall for a job, as {@link NoCapableServerError.servers} lists it. */
export interface ServerShortfall {
  readonly serverId: string
  /** What it lacks, readable: `node class FooNode`, `model x.safetensors (CheckpointLoaderSimple.ckpt_name)`. */
  readonly missing: readonly string[]
}

/**
 * No configured server can run the job: each lacks a node class or a model file the prompt names
 * (read from their `/object_info`). Thrown before anything is sent; nothing was queued.
 */
export class NoCapableServerError extends ComfyBalancerError {
  readonly promptId: string
  /** Every server and what it lacks. */
  readonly servers: readonly ServerShortfall[]

  constructor(promptId: string, servers: readonly ServerShortfall[]) {
    const needs = new Set(servers.flatMap((server) => server.missing))
    const partly = [...needs].map((need) => {
      const lacking = servers.filter((server) => server.missing.includes(need)).map((s) => s.serverId)
      const having = servers.filter((server) => !server.missing.includes(need)).map((s) => s.serverId)
      return having.length === 0
        ? `${need}: on no server`
        : `${need}: on ${having.join(', ')} but not ${lacking.join(', ')}`
    })
    super(
      'NO_CAPABLE_SERVER',
      `No server can run prompt ${promptId}: ${partly.join('; ')}. Install what is missing on a server, or change the workflow; nothing was queued.`,
    )
    this.name = 'NoCapableServerError'
    this.promptId = promptId
    this.servers = servers
  }
}

/**
 * A server's `/object_info` could not be read (no answer in time, too large, not an object). The
 * balancer keeps the last capabilities it read, or, having none, lets the server take any job.
 */
export class CapabilityReadError extends ComfyBalancerError {
  readonly serverId: string

  constructor(serverId: string, reason: string) {
    super(
      'CAPABILITIES_UNREADABLE',
      `Could not read what ${serverId} can run (${reason}); expected a JSON object from GET /object_info. It takes any job until a read succeeds.`,
    )
    this.name = 'CapabilityReadError'
    this.serverId = serverId
  }
}
