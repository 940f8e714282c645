import type { JobEvent, JobProgress, JobResult, JobState, JobStatus } from '@comfy-balancer/core'
import { followJobState, initialJobState } from '@comfy-balancer/core/internal'
import { computed, getCurrentScope, type MaybeRefOrGetter, shallowRef, toValue, watch } from 'vue'
import { MissingBalancerError } from './errors.js'
import { injectBalancer } from './plugin.js'
import type { ReadonlyRef } from './use-balancer-state.js'

/** What {@link useJob} returns: each field of the job's state as a readonly ref. */
export interface JobRefs {
  readonly status: ReadonlyRef<JobStatus>
  readonly serverId: ReadonlyRef<string | undefined>
  readonly progress: ReadonlyRef<JobProgress | undefined>
  readonly lastEvent: ReadonlyRef<JobEvent | undefined>
  readonly result: ReadonlyRef<JobResult | undefined>
  readonly error: ReadonlyRef<unknown>
}

/**
 * Follows a submitted prompt to its outputs on the server that owns it
 * (`balancer.result(promptId, { onEvent, signal })`): status, progress and result as readonly refs.
 * `promptId` may be a ref or getter: when it changes, the old one is let go (its request aborted)
 * and the new one followed; following also stops when the component unmounts. `undefined` follows
 * nothing (`status: 'idle'`). Call it in `setup()`.
 *
 * @example
 * ```ts
 * const promptId = ref<string>()
 * const job = useJob(promptId)
 * const start = async () => { promptId.value = (await balancer.submit(workflow)).promptId }
 * // template: <progress v-if="job.progress.value" :value="job.progress.value.value" :max="job.progress.value.max" />
 * ```
 */
export function useJob(promptId: MaybeRefOrGetter<string | undefined>): JobRefs {
  const { balancer } = injectBalancer('useJob()')
  if (getCurrentScope() === undefined) throw new MissingBalancerError('useJob()', 'no-setup')
  const state = shallowRef<JobState>(initialJobState(toValue(promptId)))

  watch(
    () => toValue(promptId),
    (id, _previous, onCleanup) => {
      state.value = initialJobState(id)
      // Vue's server renderer never unmounts: nothing is followed there.
      if (!id || typeof window === 'undefined') return
      onCleanup(
        followJobState(balancer, id, (change) => {
          state.value = change(state.value)
        }),
      )
    },
    { immediate: true },
  )

  return {
    status: computed(() => state.value.status),
    serverId: computed(() => state.value.serverId),
    progress: computed(() => state.value.progress),
    lastEvent: computed(() => state.value.lastEvent),
    result: computed(() => state.value.result),
    error: computed(() => state.value.error),
  }
}
