import type { JobState } from '@comfy-balancer/core'
import { followJobState, initialJobState } from '@comfy-balancer/core/internal'
import { useEffect, useState } from 'react'
import { useBalancerFor } from './context.js'

/**
 * Follows a submitted prompt to its outputs on the server that owns it
 * (`balancer.result(promptId, { onEvent, signal })`): status, progress and result. Following stops
 * (the request is aborted) when the component unmounts or `promptId` changes. Pass `undefined` to
 * follow nothing (`status: 'idle'`).
 *
 * @example
 * ```tsx
 * function Job({ promptId }: { promptId: string }) {
 *   const job = useJob(promptId)
 *   if (job.status === 'running' && job.progress) return <progress value={job.progress.value} max={job.progress.max} />
 *   if (job.status === 'success') return <p>Done on {job.serverId}</p>
 *   return <p>{job.status}</p>
 * }
 * ```
 */
export function useJob(promptId: string | undefined): JobState {
  const balancer = useBalancerFor('useJob()')
  // Keyed by prompt id, so a new id shows its own initial state at once, not the old job's.
  const [entry, setEntry] = useState<{ readonly promptId: string | undefined; readonly job: JobState }>(
    () => ({
      promptId,
      job: initialJobState(promptId),
    }),
  )

  useEffect(() => {
    if (!promptId) return
    return followJobState(balancer, promptId, (change) =>
      setEntry((current) => ({
        promptId,
        job: change(current.promptId === promptId ? current.job : initialJobState(promptId)),
      })),
    )
  }, [balancer, promptId])

  return entry.promptId === promptId ? entry.job : initialJobState(promptId)
}
