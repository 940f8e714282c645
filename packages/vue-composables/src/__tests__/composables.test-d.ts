import type {
  BalancerSnapshot,
  ComfyBalancerError,
  JobEvent,
  JobHints,
  JobResult,
  LoadBalancer,
  ServerSnapshot,
  ServerStats,
} from '@comfy-balancer/core'
import type { BindingErrorCode } from '@comfy-balancer/core/internal'
import { describe, expectTypeOf, it } from 'vitest'
import type { Plugin, Ref } from 'vue'
import {
  type BalancerLike,
  createBalancerPlugin,
  type FailoverTest,
  type JobProgress,
  type JobStatus,
  type MissingBalancerError,
  type OptimalServerStatus,
  provideBalancer,
  type ReadonlyRef,
  useBalancer,
  useBalancerSnapshot,
  useJob,
  useLoadBalancer,
  useOptimalServer,
} from '../index.js'

describe('composable types', () => {
  it('useLoadBalancer returns readonly refs and two actions', () => {
    const lb = useLoadBalancer()
    expectTypeOf(lb.servers).toEqualTypeOf<ReadonlyRef<readonly ServerStats[]>>()
    expectTypeOf(lb.servers.value).toEqualTypeOf<readonly ServerStats[]>()
    expectTypeOf(lb.optimal.value).toEqualTypeOf<ServerSnapshot | undefined>()
    expectTypeOf(lb.status.value).toEqualTypeOf<'pending' | 'ready' | 'error'>()
    expectTypeOf(lb.error.value).toBeUnknown()
    expectTypeOf(lb.refresh).returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf(lb.testFailover).returns.toEqualTypeOf<Promise<FailoverTest>>()
    expectTypeOf<FailoverTest>().toEqualTypeOf<{
      readonly failed: ServerSnapshot
      readonly next: ServerSnapshot | undefined
    }>()
    // @ts-expect-error the refs are readonly
    lb.status.value = 'ready'
  })

  it('useOptimalServer', () => {
    const best = useOptimalServer({ job: () => ({ tags: ['sdxl'] }) })
    expectTypeOf(best.url.value).toEqualTypeOf<string | undefined>()
    expectTypeOf(best.server.value).toEqualTypeOf<ServerSnapshot | undefined>()
    expectTypeOf(best.status.value).toEqualTypeOf<OptimalServerStatus>()
    expectTypeOf(best.refresh).toEqualTypeOf<() => Promise<void>>()
    expectTypeOf(useOptimalServer).toBeCallableWith({ job: { exclude: ['a'] } satisfies JobHints })
    // @ts-expect-error the URL is not writable
    best.url.value = 'http://elsewhere'
  })

  it('useJob takes a string, a ref or a getter, and returns readonly refs', () => {
    const job = useJob(() => undefined)
    expectTypeOf(job.status.value).toEqualTypeOf<JobStatus>()
    expectTypeOf(job.result.value).toEqualTypeOf<JobResult | undefined>()
    expectTypeOf(job.progress.value).toEqualTypeOf<JobProgress | undefined>()
    expectTypeOf(job.lastEvent.value).toEqualTypeOf<JobEvent | undefined>()
    expectTypeOf(useJob).toBeCallableWith('id')
    expectTypeOf(useJob).toBeCallableWith({} as Ref<string | undefined>)
    // @ts-expect-error a prompt id is a string
    useJob(42)
  })

  it('useBalancerSnapshot, useBalancer and the plugin', () => {
    expectTypeOf(useBalancerSnapshot().value).toEqualTypeOf<BalancerSnapshot>()
    expectTypeOf(useBalancerSnapshot((s) => s.refreshing).value).toEqualTypeOf<boolean>()
    expectTypeOf(useBalancer()).toEqualTypeOf<LoadBalancer>()
    expectTypeOf(createBalancerPlugin).returns.toEqualTypeOf<Plugin>()
    expectTypeOf(createBalancerPlugin).parameter(0).toEqualTypeOf<BalancerLike>()
    expectTypeOf(provideBalancer).returns.toBeVoid()
    expectTypeOf<LoadBalancer>().toExtend<BalancerLike>()
    // Its code is the bindings' own (core's ComfyBalancerErrorCode lists only what core throws).
    expectTypeOf<MissingBalancerError>().toExtend<ComfyBalancerError<BindingErrorCode>>()
  })
})
