import type { Verdict } from '../capabilities/capability-book.js'
import type { JobFit } from '../capabilities/job-fit.js'
import { describeMissing } from '../capabilities/requirements.js'
import type { ServerSnapshot } from '../contracts/server.js'
import type { PlanJob } from './dispatch-plan.js'
import type { ResultOptions } from './types.js'
import { allowedFor, type WaitingEntry } from './waiting-entry.js'
import type { WaitingJobs } from './waiting-jobs.js'

/** The line as the planner sees it: where each job may go (hints, failures, capabilities), its models. */
export function planJobs(
  line: readonly WaitingEntry[],
  healthy: readonly ServerSnapshot[],
  fit: JobFit,
  modelAware: boolean,
): PlanJob[] {
  return line.map((entry) => {
    const hinted = allowedFor(entry, healthy)
    return {
      key: entry.key,
      allowed: (id: string) => hinted(id) && fit.verdict(id, entry.prompt).kind === 'can',
      ...(modelAware ? { models: fit.models(undefined, entry.prompt) } : {}),
    }
  })
}

/** Jobs no configured server can run (each lacks a class or a file they name) fail at once. */
export function rejectIncapable(
  waiting: WaitingJobs<WaitingEntry>,
  fit: JobFit,
  pool: readonly ServerSnapshot[],
): void {
  const ids = pool.map((server) => server.id)
  for (const entry of [...waiting.line]) {
    const error = fit.noneCan(entry.promptId, entry.prompt, ids)
    if (error === undefined || !waiting.remove(entry)) continue
    entry.forget()
    entry.reject(error)
  }
}

/** Tells each waiting job, once per reason, why no healthy server may take it now. */
export function sayWhyWaiting(
  line: readonly WaitingEntry[],
  fit: JobFit,
  healthy: readonly ServerSnapshot[],
): void {
  for (const entry of line) {
    const onEvent = (entry.options as ResultOptions).onEvent
    if (onEvent === undefined) continue
    const reason = waitingReason(healthy.map((server) => fit.verdict(server.id, entry.prompt)))
    if (reason === undefined || reason === entry.waitingFor) continue
    entry.waitingFor = reason
    onEvent({ type: 'waiting', promptId: entry.promptId, reason })
  }
}

/** Why a job waits although servers are healthy: each lacks something it needs (a capable one is down). */
export function waitingReason(verdicts: readonly Verdict[]): string | undefined {
  if (verdicts.length === 0 || verdicts.some((verdict) => verdict.kind === 'can')) return undefined
  const needs = new Set(
    verdicts.flatMap((verdict) => (verdict.kind === 'cannot' ? verdict.missing.map(describeMissing) : [])),
  )
  return `waiting for a server with ${[...needs].join(', ')}`
}
