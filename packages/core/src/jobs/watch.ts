import type { JobEvent, JobResult, ResultOptions } from './types.js'

/** One step of {@link watchJob}: an event while the job runs, then its result as the last item. */
export type JobUpdate =
  | { readonly type: 'event'; readonly event: JobEvent }
  | { readonly type: 'result'; readonly result: JobResult }

/**
 * A job's events as an async iterator, ending with its result (or throwing its error). Breaking out
 * of the loop stops following (the underlying `result()` call is aborted).
 */
export async function* watchJob(
  follow: (options: ResultOptions) => Promise<JobResult>,
  signal?: AbortSignal,
): AsyncGenerator<JobUpdate, void, undefined> {
  const pending: JobUpdate[] = []
  let wake: (() => void) | undefined
  let failure: { error: unknown } | undefined
  let done = false
  const controller = new AbortController()
  const onAbort = () => controller.abort(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  const push = (update: JobUpdate) => {
    pending.push(update)
    wake?.()
  }
  follow({ signal: controller.signal, onEvent: (event) => push({ type: 'event', event }) }).then(
    (result) => {
      push({ type: 'result', result })
      done = true
      wake?.()
    },
    (error: unknown) => {
      failure = { error }
      done = true
      wake?.()
    },
  )
  try {
    for (;;) {
      const next = pending.shift()
      if (next) {
        yield next
        continue
      }
      if (failure) throw failure.error
      if (done) return
      await new Promise<void>((resolve) => {
        wake = resolve
      })
      wake = undefined
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    if (!done) controller.abort()
  }
}
