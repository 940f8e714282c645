import type {
  CapabilitySummary,
  FailureRecord,
  ModelState,
  QueueState,
  ServerConfig,
  ServerSnapshot,
} from '../contracts/server.js'
import { ewma, riseFastEwma } from '../util/ewma.js'
import { redactUrl } from '../util/redact.js'

/** Weight of a new latency sample in the probe round-trip EWMA. */
const LATENCY_ALPHA = 0.3
/** Weight of a new sample in the job-duration EWMA (about ten jobs of memory). */
const JOB_ALPHA = 0.1
/**
 * Weight of a slower sample: half the way up at once. Jumping all the way (Finagle's peak EWMA)
 * let one long job of a lognormal workload mark a slow GPU at twice its mean, and a GPU thought
 * that slow gets too few jobs to decay: idle while work waited (bench:faults, 2026-12-07: the
 * no-fault reference 1.04× → 1.02× of the oracle, the hang 1.04× → 1.03×, over several runs).
 */
const JOB_RISE_ALPHA = 0.5

/**
 * Every snapshot is built here, with every key in the same order (absent values as `undefined`):
 * one hidden class for all of them keeps the per-choice scan over servers monomorphic and fast.
 */
function snapshot(from: ServerSnapshot, patch: Partial<ServerSnapshot>): ServerSnapshot {
  const s = { ...from, ...patch }
  return {
    id: s.id,
    url: s.url,
    name: s.name,
    priority: s.priority,
    weight: s.weight,
    tags: s.tags,
    maxQueue: s.maxQueue,
    index: s.index,
    health: s.health,
    healthReason: s.healthReason,
    queue: s.queue,
    inFlight: s.inFlight,
    latencyMs: s.latencyMs,
    jobMs: s.jobMs,
    runningSince: s.runningSince,
    lockedUntil: s.lockedUntil,
    failures: s.failures,
    consecutiveFailures: s.consecutiveFailures,
    checkedAt: s.checkedAt,
    ejectedUntil: s.ejectedUntil,
    capabilities: s.capabilities,
    models: s.models,
  }
}

function configFields(config: ServerConfig, index: number) {
  return {
    id: config.id,
    url: redactUrl(config.url),
    name: config.name,
    priority: config.priority,
    weight: config.weight,
    tags: config.tags,
    maxQueue: config.maxQueue,
    index,
  }
}

/** A fresh snapshot for a newly configured server: health unknown until probed. */
export function initialSnapshot(config: ServerConfig, index: number): ServerSnapshot {
  const blank: ServerSnapshot = {
    ...configFields(config, index),
    health: 'unknown',
    queue: 'unknown',
    inFlight: 0,
    failures: [],
    consecutiveFailures: 0,
  }
  return snapshot(blank, {})
}

/** Re-applies config fields (name, priority, weight…) to a snapshot, keeping what was learnt. */
export function reconfigured(current: ServerSnapshot, config: ServerConfig, index: number): ServerSnapshot {
  return snapshot(current, configFields(config, index))
}

/** A probe answered: the server is healthy with this queue. */
export function probeSucceeded(
  current: ServerSnapshot,
  result: { latencyMs: number; queue: QueueState | undefined },
  now: number,
): ServerSnapshot {
  return snapshot(current, {
    health: 'healthy',
    healthReason: undefined,
    queue: result.queue ?? current.queue,
    latencyMs: ewma(current.latencyMs, result.latencyMs, LATENCY_ALPHA),
    consecutiveFailures: 0,
    checkedAt: now,
    ejectedUntil: undefined,
  })
}

/** A probe failed or the app reported a failure: the server is unhealthy for `reason`, and unlocked. */
export function failed(
  current: ServerSnapshot,
  failure: FailureRecord,
  historyLimit: number,
  checkedAt?: number,
): ServerSnapshot {
  return snapshot(current, {
    health: 'unhealthy',
    healthReason: failure.reason,
    lockedUntil: undefined,
    failures: appendBounded(current.failures, failure, historyLimit),
    consecutiveFailures: current.consecutiveFailures + 1,
    checkedAt: checkedAt ?? current.checkedAt,
  })
}

/** The hot path of every choice: one allocation, same shape. */
export function withInFlight(current: ServerSnapshot, inFlight: number): ServerSnapshot {
  if (current.inFlight === inFlight) return current
  return {
    id: current.id,
    url: current.url,
    name: current.name,
    priority: current.priority,
    weight: current.weight,
    tags: current.tags,
    maxQueue: current.maxQueue,
    index: current.index,
    health: current.health,
    healthReason: current.healthReason,
    queue: current.queue,
    inFlight,
    latencyMs: current.latencyMs,
    jobMs: current.jobMs,
    runningSince: current.runningSince,
    lockedUntil: current.lockedUntil,
    failures: current.failures,
    consecutiveFailures: current.consecutiveFailures,
    checkedAt: current.checkedAt,
    ejectedUntil: current.ejectedUntil,
    capabilities: current.capabilities,
    models: current.models,
  }
}

export function withLock(current: ServerSnapshot, until: number | undefined): ServerSnapshot {
  return current.lockedUntil === until ? current : snapshot(current, { lockedUntil: until })
}

/** An observed job duration feeds the server's `jobMs` estimate (quick to rise, slow to fall). */
export function jobTimed(current: ServerSnapshot, durationMs: number): ServerSnapshot {
  return snapshot(current, { jobMs: riseFastEwma(current.jobMs, durationMs, JOB_RISE_ALPHA, JOB_ALPHA) })
}

/** A `status` push over the WebSocket: the queue as of now. Health is left to the probes. */
export function queuePushed(
  current: ServerSnapshot,
  remaining: number,
  now: number,
  inFlight: number,
): ServerSnapshot {
  return snapshot(current, {
    queue: {
      known: true,
      running: Math.min(1, remaining),
      pending: Math.max(0, remaining - 1),
      source: 'ws',
    },
    inFlight,
    checkedAt: now,
  })
}

/** A pushed `execution_start` (a time) or end of execution (undefined). */
export function withRunningSince(current: ServerSnapshot, since: number | undefined): ServerSnapshot {
  return current.runningSince === since ? current : snapshot(current, { runningSince: since })
}

/**
 * A failure below its threshold (a missed probe of a healthy server, one error answer): remembered,
 * health kept (a suspect). `checkedAt` moves only for probes.
 */
export function failureNoted(
  current: ServerSnapshot,
  failure: FailureRecord,
  historyLimit: number,
): ServerSnapshot {
  return snapshot(current, {
    failures: appendBounded(current.failures, failure, historyLimit),
    consecutiveFailures: current.consecutiveFailures + 1,
    checkedAt: failure.kind === 'probe' ? failure.at : current.checkedAt,
  })
}

/** Outlier logic holds the server out until `until`, whatever its probes say meanwhile. */
export function ejected(
  current: ServerSnapshot,
  failure: FailureRecord,
  historyLimit: number,
  until: number,
): ServerSnapshot {
  return snapshot(failed(current, failure, historyLimit), { ejectedUntil: until })
}

/** An ejection ends earlier, at `until` (a canary ran, or cannot judge the server). */
export function ejectionMoved(current: ServerSnapshot, until: number): ServerSnapshot {
  return snapshot(current, { ejectedUntil: until })
}

function appendBounded(
  failures: readonly FailureRecord[],
  failure: FailureRecord,
  limit: number,
): readonly FailureRecord[] {
  const all = [...failures, failure]
  return all.length > limit ? all.slice(all.length - limit) : all
}

/** An answered probe of an unhealthy server, below the threshold: fresh readings, still unhealthy. */
export function probeAnsweredWhileDown(
  current: ServerSnapshot,
  result: { latencyMs: number; queue: QueueState },
  now: number,
): ServerSnapshot {
  return snapshot(current, {
    queue: result.queue,
    latencyMs: ewma(current.latencyMs, result.latencyMs, LATENCY_ALPHA),
    checkedAt: now,
  })
}

/** Its `/object_info` was read. */
export function capabilitiesRead(current: ServerSnapshot, summary: CapabilitySummary): ServerSnapshot {
  return snapshot(current, { capabilities: summary })
}

/** What it holds or how long it loads changed. */
export function modelsChanged(current: ServerSnapshot, models: ModelState): ServerSnapshot {
  return snapshot(current, { models })
}
