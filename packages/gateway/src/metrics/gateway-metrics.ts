import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { GatewayContext } from '../context.js'
import type { GatewayJob } from '../jobs/gateway-job.js'

/** What the gateway's metrics read: the balancer, the job table, the client sockets, the job-ended hooks. */
export type MetricsSource = Pick<GatewayContext, 'balancer' | 'jobs' | 'sockets' | 'jobEnded' | 'jobRetried'>

/** One gateway's metrics, in a registry of its own. */
export interface GatewayMetrics {
  /** Where the metrics live: `registry.metrics()` is the Prometheus text, `registry.contentType` its type. */
  readonly registry: Registry
  /** Stops counting: leaves the balancer's events and the job-ended hooks. */
  close(): void
}

/**
 * Image jobs take from under a second (a cached graph) to half an hour (video, large upscales):
 * buckets from 0.5 s to 30 min, about two per decade and a half, so quantiles stay meaningful.
 */
export const JOB_DURATION_BUCKETS: readonly number[] = [
  0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800,
]

const OUTCOMES = ['success', 'error', 'interrupted'] as const

/**
 * The gateway's Prometheus metrics. Counters follow events (a job's end, an ejection); gauges are
 * read from the balancer's snapshot and the job table when scraped, so they are never stale.
 * Servers are labelled by the balancer's server id, never by URL: URLs may carry credentials.
 * The registry is the gateway's own (never prom-client's global one), so several gateways in one
 * process do not clash.
 */
export function createGatewayMetrics(source: MetricsSource): GatewayMetrics {
  const { balancer, jobs, sockets } = source
  const registry = new Registry()
  const registers = [registry]
  const serverIds = () => balancer.getSnapshot().servers.map((server) => server.id)

  const jobsTotal = new Counter({
    name: 'comfy_gateway_jobs_total',
    help: 'Prompts taken by the gateway that ended, by outcome (prompts removed from the queue unrun are not counted).',
    labelNames: ['outcome'] as const,
    registers,
  })
  for (const outcome of OUTCOMES) jobsTotal.inc({ outcome }, 0)
  const duration = new Histogram({
    name: 'comfy_gateway_job_duration_seconds',
    help: 'Time from a prompt being taken by the gateway to its end (waiting, queueing and running), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [...JOB_DURATION_BUCKETS],
    registers,
  })
  const ejections = new Counter({
    name: 'comfy_gateway_ejections_total',
    help: "Times the balancer's outlier logic took a server out (failed jobs, a stall, flapping).",
    labelNames: ['server'] as const,
    registers,
    collect() {
      // Every server has a series from the first scrape, so `rate()` sees its first ejection.
      for (const server of serverIds()) this.inc({ server }, 0)
    },
  })
  const modelLoads = new Counter({
    name: 'comfy_gateway_model_loads_total',
    help: 'Models read from disk by the loaders of the gateway’s prompts, by server (a model held in VRAM is not a load).',
    labelNames: ['server'] as const,
    registers,
    collect() {
      for (const server of serverIds()) this.inc({ server }, 0)
    },
  })
  const retries = new Counter({
    name: 'comfy_gateway_retries_total',
    help: 'Prompts run again on another server after their run failed or their server lost them.',
    registers,
  })
  new Gauge({
    name: 'comfy_gateway_queue_depth',
    help: "Prompts on each server's own queue (running plus pending) at the balancer's last reading; absent while unknown or the server is down.",
    labelNames: ['server'] as const,
    registers,
    collect() {
      this.reset()
      for (const stats of balancer.getServerStats())
        if (stats.queue !== undefined) this.set({ server: stats.id }, stats.queue)
    },
  })
  new Gauge({
    name: 'comfy_gateway_waiting',
    help: 'Prompts taken by the gateway that wait in it for a server (not yet handed to any).',
    registers,
    collect() {
      this.set(jobs.unfinished().filter(waitsInGateway).length)
    },
  })
  new Gauge({
    name: 'comfy_gateway_server_up',
    help: 'Whether the balancer holds the server healthy (1) or not (0: down, ejected, or not probed yet).',
    labelNames: ['server'] as const,
    registers,
    collect() {
      this.reset()
      for (const server of balancer.getSnapshot().servers)
        this.set({ server: server.id }, server.health === 'healthy' ? 1 : 0)
    },
  })
  new Gauge({
    name: 'comfy_gateway_models_held',
    help: 'Models the balancer believes each server holds loaded, from the prompts it was given (an inference: ComfyUI does not report loaded models).',
    labelNames: ['server'] as const,
    registers,
    collect() {
      this.reset()
      for (const server of balancer.getSnapshot().servers)
        this.set({ server: server.id }, server.models?.held.length ?? 0)
    },
  })
  new Gauge({
    name: 'comfy_gateway_ws_clients',
    help: 'Client WebSockets open on the gateway.',
    registers,
    collect() {
      this.set(sockets.size)
    },
  })

  const onJobEnded = (job: GatewayJob) => {
    if (job.outcome === undefined) return
    jobsTotal.inc({ outcome: job.outcome })
    if (job.endedAt !== undefined)
      duration.observe({ outcome: job.outcome }, Math.max(0, job.endedAt - job.createdAt) / 1000)
  }
  source.jobEnded.push(onJobEnded)
  const offEjected = balancer.on('ejected', (event) => ejections.inc({ server: event.server.id }))
  const offLoaded = balancer.on('model-loaded', (event) => modelLoads.inc({ server: event.serverId }))
  const onRetried = () => retries.inc()
  source.jobRetried.push(onRetried)
  return {
    registry,
    close() {
      offEjected()
      offLoaded()
      const at = source.jobEnded.indexOf(onJobEnded)
      if (at !== -1) source.jobEnded.splice(at, 1)
      const retriedAt = source.jobRetried.indexOf(onRetried)
      if (retriedAt !== -1) source.jobRetried.splice(retriedAt, 1)
    },
  }
}

/**
 * Taken and not yet on any server: the gateway learns a server from the balancer's `queued` event.
 * A failed run waiting to run again elsewhere still names its old server, so it is not counted.
 */
function waitsInGateway(job: GatewayJob): boolean {
  return job.status === 'pending' && job.serverId === undefined && job.removed !== true
}
