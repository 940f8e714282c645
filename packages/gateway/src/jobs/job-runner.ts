import { isJsonObject } from '@comfy-balancer/comfyui-rules'
import {
  ComfyBalancerError,
  JobError,
  type JobEvent,
  type JobResult,
  type LoadBalancer,
  type PushedMessage,
  type RequestTarget,
} from '@comfy-balancer/core'
import type { GatewayBus } from '../state/gateway-bus.js'
import type { UploadPlacer } from '../uploads/place-uploads.js'
import type { Uploads } from '../uploads/uploads.js'
import type { ClientSockets } from '../ws/client-sockets.js'
import type { GatewayJob, StatusMessage } from './gateway-job.js'
import type { HandOvers } from './hand-overs.js'
import type { JobTable } from './job-table.js'

/** What running a job needs from the gateway. */
export interface RunnerHost {
  readonly balancer: LoadBalancer
  readonly jobs: JobTable
  readonly sockets: ClientSockets
  readonly now: () => number
  readonly log: (line: string) => void
  readonly jobEnded: ReadonlyArray<(job: GatewayJob) => void>
  readonly jobRetried: ReadonlyArray<(job: GatewayJob) => void>
  readonly handOvers: HandOvers
  /** Other gateways sharing this one's state, if any. */
  readonly bus?: GatewayBus | undefined
  readonly uploads: Uploads
  readonly placer: UploadPlacer
  /** True while the gateway shuts down: a job cut off then is left for the next process. */
  readonly closing: () => boolean
}

/** What ComfyUI sends to every socket when a prompt has no client id (the rest it does not send). */
const BROADCAST = new Set(['progress', 'progress_state', 'execution_interrupted'])

/** History keeps these messages, as ComfyUI's `add_message` records them. */
const KEPT = new Set([
  'execution_start',
  'execution_cached',
  'execution_success',
  'execution_error',
  'execution_interrupted',
])
/**
 * Messages that end a run: held until the outcome is final and in history. An error may be
 * followed by a rerun elsewhere; a client that reads `/history/{id}` on `execution_success` (as
 * `@saintno/comfyui-sdk` does) must find the entry, which the gateway writes after the result.
 */
const HELD = new Set(['execution_success', 'execution_error', 'execution_interrupted'])

/**
 * Runs one accepted prompt through the balancer (late binding, failover, reruns) and relays to the
 * client what its server pushes, under the gateway's prompt id, as one ComfyUI would: a failed run
 * that is rerun elsewhere is not reported, and `executing` with `node: null` comes last, after the
 * history entry is written, so a client that reads `/history/{id}` on it finds the entry.
 */
export async function runJob(host: RunnerHost, job: GatewayJob, resume = false): Promise<void> {
  let held: StatusMessage | undefined
  const send = (type: string, data: Record<string, unknown>) => {
    if (job.clientId !== undefined) host.sockets.sendJson(job.clientId, job.owner, type, data)
    // Without a client id ComfyUI broadcasts these (to everyone; here, to the caller's sockets).
    else if (BROADCAST.has(type)) host.sockets.broadcastJson(job.owner, type, data)
  }
  const onEvent = (event: JobEvent) => {
    if (event.type === 'queued') {
      host.handOvers.end(job.promptId)
      job.serverId = event.serverId
      job.runningAs = event.promptId
      host.jobs.touch(job)
    } else if (event.type === 'resubmitted') {
      // The failed run is not this prompt's outcome: its outputs and messages start over.
      held = undefined
      job.status = 'pending'
      job.messages = []
      job.outputs = {}
      job.meta = {}
      host.jobs.touch(job)
      for (const listener of host.jobRetried) listener(job)
    } else if (event.type === 'message') {
      const wasRunning = job.status === 'running'
      const relayed = relay(job, event.serverId, event.message)
      if (job.status === 'running' && !wasRunning) host.jobs.touch(job)
      if (relayed === undefined) return
      if (relayed.kind === 'binary') {
        if (job.clientId !== undefined) host.sockets.sendBinary(job.clientId, job.owner, relayed.bytes)
        else host.sockets.broadcastBinary(job.owner, relayed.bytes)
        return
      }
      const { type, data } = relayed
      if (KEPT.has(type)) job.messages.push([type, data])
      if (type === 'executed' && isJsonObject(data.output)) {
        host.jobs.noteOutput(job, data.output)
        // Shared before the client hears of it: a client that reads history on its last output,
        // through another gateway, is then made to wait for the entry. Alone, this gateway's own
        // copy is already current, and rewriting the whole job per output would be waste.
        if (host.bus !== undefined) host.jobs.touch(job)
      }
      if (HELD.has(type)) held = [type, data]
      else send(type, data)
    }
  }
  try {
    const result = await follow(host, job, onEvent, resume)
    succeeded(job, result, host.now())
  } catch (error) {
    host.handOvers.end(job.promptId)
    // Shutting down: the job is not over, a restarted gateway follows it from where it is stored.
    if (host.closing()) return
    if (job.removed === true) {
      host.jobs.drop(job.promptId)
      host.sockets.status(job.owner, host.jobs.remaining(job.owner))
      host.log(`job ${job.promptId} removed from the queue`)
      return
    }
    failed(job, error, held, host.now())
  }
  host.jobs.finish(job)
  const [type, data] = job.messages.at(-1)!
  send(type, data)
  host.sockets.status(job.owner, host.jobs.remaining(job.owner))
  send('executing', { node: null, prompt_id: job.promptId })
  host.log(describe(job))
  for (const listener of host.jobEnded) listener(job)
}

/**
 * Runs the job through the balancer — or, for a job a previous gateway process placed, follows it
 * on the server it was sent to (placing it again if that server never got it and it never started).
 */
function follow(host: RunnerHost, job: GatewayJob, onEvent: (event: JobEvent) => void, resume: boolean) {
  // Written before the POST lands: a gateway that dies now knows where the prompt may be. The
  // prompt's uploads go to that server first.
  const beforePost = async (server: { readonly id: string; readonly target: RequestTarget }) => {
    host.handOvers.start(job.promptId)
    job.serverId = server.id
    host.jobs.touch(job)
    try {
      if (job.uploads !== undefined)
        await host.placer.place(server, await host.uploads.all(job.owner, job.uploads))
    } catch (error) {
      // Not posted: the balancer tries another server, or the prompt waits again.
      host.handOvers.end(job.promptId)
      throw error
    }
  }
  const submit = { extraData: job.extraData, job: { priority: -job.number }, beforePost }
  if (resume && job.serverId !== undefined) {
    const started = job.status === 'running'
    const placedOn = {
      serverId: job.serverId,
      prompt: job.prompt,
      submit: { ...submit, rerunIfLost: !started },
      started,
    }
    return host.balancer.result(job.runningAs ?? job.promptId, { placedOn, messages: true, onEvent })
  }
  return host.balancer.run(job.prompt, { ...submit, promptId: job.promptId, messages: true, onEvent })
}

/** The message as the client must see it (the gateway's prompt id), noting what it says of the job. */
function relay(job: GatewayJob, serverId: string, message: PushedMessage): PushedMessage | undefined {
  if (message.kind === 'binary') return message
  const { type } = message
  // The gateway says `executing: null` itself, once the outcome is final and in history.
  if (type === 'executing' && (message.data.node === null || message.data.node === undefined))
    return undefined
  const data: Record<string, unknown> = { ...message.data, prompt_id: job.promptId }
  if (type === 'execution_start') {
    job.status = 'running'
    job.serverId = serverId
    if (job.startedAt === undefined && typeof data.timestamp === 'number') job.startedAt = data.timestamp
  }
  if (type === 'executed' && typeof data.node === 'string' && isJsonObject(data.output)) {
    job.outputs[data.node] = data.output
    const display = typeof data.display_node === 'string' ? data.display_node : data.node
    job.meta[data.node] = {
      node_id: data.node,
      display_node: display,
      parent_node: null,
      real_node_id: data.node,
    }
  }
  return { kind: 'json', type, data }
}

function succeeded(job: GatewayJob, result: JobResult, now: number): void {
  job.serverId = result.serverId
  job.outcome = 'success'
  job.endedAt = now
  // The result's outputs are the server's history: complete even when a push was missed.
  for (const [node, output] of Object.entries(result.outputs)) job.outputs[node] = { ...output }
  if (!job.messages.some(([type]) => type === 'execution_success'))
    job.messages.push(['execution_success', { prompt_id: job.promptId, timestamp: now }])
}

function failed(job: GatewayJob, error: unknown, held: StatusMessage | undefined, now: number): void {
  const interrupted =
    error instanceof JobError && (error.reason === 'interrupted' || error.reason === 'aborted')
  job.outcome = interrupted ? 'interrupted' : 'error'
  job.endedAt = now
  job.messages = job.messages.filter(([type]) => !HELD.has(type))
  if (held !== undefined && held[0] === (interrupted ? 'execution_interrupted' : 'execution_error')) {
    job.messages.push(held)
    return
  }
  const base = { prompt_id: job.promptId, node_id: null, node_type: null, executed: [], timestamp: now }
  if (interrupted) {
    job.messages.push(['execution_interrupted', base])
    return
  }
  // No server ran it to an error of its own (none could take it, or every hand-over failed): say why.
  const code = ComfyBalancerError.isInstance(error) ? error.code : 'UNEXPECTED'
  const message = error instanceof Error ? error.message : String(error)
  job.messages.push([
    'execution_error',
    {
      ...base,
      exception_message: message,
      exception_type: code,
      traceback: [],
      current_inputs: {},
      current_outputs: {},
    },
  ])
}

function describe(job: GatewayJob): string {
  const took = job.endedAt !== undefined ? ` in ${((job.endedAt - job.createdAt) / 1000).toFixed(1)} s` : ''
  return `job ${job.promptId} ${job.outcome ?? 'ended'} on ${job.serverId ?? 'no server'}${took}`
}
