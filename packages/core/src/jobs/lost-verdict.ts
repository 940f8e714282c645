import type { JobHost } from './host.js'
import type { Whereabouts } from './locate.js'
import type { OwnedJob } from './ownership.js'

/** Whether the job was watched on its current owner until now, or until that process died. */
function watchedOnOwner(host: JobHost, job: OwnedJob): 'open' | 'died' | 'unknown' {
  return job.watch?.serverId === job.serverId ? host.watchedThrough(job.serverId, job.watch.epoch) : 'unknown'
}

/**
 * How long the owner may fail to say where the job is before it counts as gone. A job watched over
 * the owner's socket and not seen to start moves off a silent owner after `moveAfterMs`; anything
 * that may be running (or whose start could have been missed) waits `lostAfterMs`, as does a job on
 * an owner that answers, but with errors: that server is alive and may well run it.
 */
export function silenceLimit(host: JobHost, job: OwnedJob, where: Whereabouts): number {
  const { lostAfterMs, moveAfterMs } = host.settings()
  if (job.started || where.state !== 'unreachable' || where.cause === 'error') return lostAfterMs
  return watchedOnOwner(host, job) === 'unknown' ? lostAfterMs : Math.min(moveAfterMs, lostAfterMs)
}

/**
 * Whether a job its owner lost may run again elsewhere, and why. The owner came back without it
 * (`absent`): if the balancer watched it over a socket that stayed open, or whose server died with
 * it, the job never finished there — it runs again unless it had started and the caller asked for
 * strict at-most-once. Otherwise it may have finished before a restart wiped its result: lost,
 * unless the caller allows a rerun (`rerunIfLost: true`). A silent owner: a job not seen to start
 * moves (its stale copy is removed once the owner answers); one that started is lost.
 */
export function lostWhy(
  host: JobHost,
  job: OwnedJob,
  where: Extract<Whereabouts, { state: 'absent' | 'unreachable' }>,
): { verdict: 'lost' | 'again'; text: string } {
  const rerun = job.options.rerunIfLost
  if (where.state === 'unreachable') {
    const text = `unreachable: ${where.reason}`
    if (!job.started || rerun === true) return { verdict: 'again', text }
    return {
      verdict: 'lost',
      text: `it had started, then ${text}; not run again, as it may still run there (rerunIfLost: true runs it again anyway)`,
    }
  }
  if (watchedOnOwner(host, job) !== 'unknown') {
    if (!job.started) return { verdict: 'again', text: 'its server lost it before it started (restarted?)' }
    if (rerun !== false)
      return {
        verdict: 'again',
        text: 'its server restarted while running it: the run died with the process',
      }
    return {
      verdict: 'lost',
      text: 'it had started, then its server restarted without it; not run again (rerunIfLost: false)',
    }
  }
  if (rerun === true) return { verdict: 'again', text: 'its server no longer has it (restarted?)' }
  return {
    verdict: 'lost',
    text: `its server no longer has it (restarted?) and whether it ${job.started ? 'finished' : 'ran'} there first cannot be known (its events were not watched throughout); not run again (rerunIfLost: true runs it again anyway)`,
  }
}
