import type { JobEvent, JobResult, ResultOptions } from './types.js'

/**
 * Where a followed job is: `idle` (no prompt id), `pending` (waiting to start: following, nothing
 * heard yet), `queued` (in a server's queue: reported when following starts, and again when the job is placed elsewhere), `running`, `success`
 * (outputs in `result`) or `error` (reason in `error`).
 */
export type JobStatus = 'idle' | 'pending' | 'queued' | 'running' | 'success' | 'error'

/** The last `progress` event of a running job. */
export interface JobProgress {
  readonly value: number
  readonly max: number
  /** The node reporting progress, when the server said. */
  readonly node: string | undefined
}

/** What a UI shows of one followed job (`useJob` in the React and Vue bindings). */
export interface JobState {
  readonly status: JobStatus
  /** The server holding the job, once known (it changes if the job is placed again elsewhere). */
  readonly serverId: string | undefined
  readonly progress: JobProgress | undefined
  readonly lastEvent: JobEvent | undefined
  readonly result: JobResult | undefined
  /** Why following failed (a `JobError`, `JOB_LOST`, …) when `status` is `error`. */
  readonly error: unknown
}

const IDLE: JobState = {
  status: 'idle',
  serverId: undefined,
  progress: undefined,
  lastEvent: undefined,
  result: undefined,
  error: undefined,
}
const PENDING: JobState = { ...IDLE, status: 'pending' }

/** The state before anything is heard: `idle` without a prompt id, else `pending`. */
export function initialJobState(promptId: string | undefined): JobState {
  return promptId ? PENDING : IDLE
}

/** The state after one job event. */
export function withJobEvent(state: JobState, event: JobEvent): JobState {
  switch (event.type) {
    case 'queued':
      return { ...state, status: 'queued', serverId: event.serverId, progress: undefined, lastEvent: event }
    case 'started':
      return { ...state, status: 'running', serverId: event.serverId, lastEvent: event }
    case 'progress':
      return {
        ...state,
        status: 'running',
        serverId: event.serverId,
        progress: { value: event.value, max: event.max, node: event.node },
        lastEvent: event,
      }
    case 'resubmitted':
      return { ...state, status: 'pending', serverId: undefined, progress: undefined, lastEvent: event }
    case 'waiting':
      return { ...state, lastEvent: event }
    case 'message':
      // Raw pushes are a proxy's business; the state the UI shows comes from the events above.
      return state
  }
}

export function withJobResult(state: JobState, result: JobResult): JobState {
  return { ...state, status: 'success', serverId: result.serverId, result, error: undefined }
}

export function withJobError(state: JobState, error: unknown): JobState {
  return { ...state, status: 'error', error }
}

/** The part of a balancer `followJobState` calls. */
export interface JobFollower {
  result(promptId: string, options: ResultOptions): Promise<JobResult>
}

/**
 * Follows a job for a UI: every event and the outcome become a state change handed to `apply`
 * (an updater, so the binding keeps its own state cell). Returns a stop function that aborts the
 * follow; after it, nothing more is applied. The whole of `useJob` in both bindings.
 */
export function followJobState(
  balancer: JobFollower,
  promptId: string,
  apply: (change: (job: JobState) => JobState) => void,
): () => void {
  const controller = new AbortController()
  const update = (change: (job: JobState) => JobState): void => {
    if (!controller.signal.aborted) apply(change)
  }
  balancer
    .result(promptId, {
      signal: controller.signal,
      onEvent: (event) => update((job) => withJobEvent(job, event)),
    })
    .then(
      (result) => update((job) => withJobResult(job, result)),
      (error: unknown) => update((job) => withJobError(job, error)),
    )
  return () => controller.abort()
}
