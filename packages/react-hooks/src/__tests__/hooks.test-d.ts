import type {
  BalancerEvents,
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
import type { ReactNode } from 'react'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type BalancerLike,
  BalancerProvider,
  type JobProgress,
  type JobStatus,
  LoadBalancerStatus,
  type MissingBalancerError,
  type OptimalServerStatus,
  type UseOptimalServerOptions,
  useBalancer,
  useBalancerEvent,
  useBalancerSnapshot,
  useJob,
  useOptimalServer,
  useServerStats,
} from '../index.js'

describe('hook types', () => {
  it('useOptimalServer', () => {
    const state = useOptimalServer({ job: { tags: ['sdxl'] } })
    expectTypeOf(state.url).toEqualTypeOf<string | undefined>()
    expectTypeOf(state.server).toEqualTypeOf<ServerSnapshot | undefined>()
    expectTypeOf(state.status).toEqualTypeOf<'pending' | 'ready' | 'error'>()
    expectTypeOf(state.status).toEqualTypeOf<OptimalServerStatus>()
    expectTypeOf(state.error).toBeUnknown()
    expectTypeOf(state.refresh).toEqualTypeOf<() => Promise<void>>()
    expectTypeOf(useOptimalServer).parameter(0).toEqualTypeOf<UseOptimalServerOptions | undefined>()
    expectTypeOf<UseOptimalServerOptions['job']>().toEqualTypeOf<JobHints | undefined>()
    // @ts-expect-error the URL is not writable
    state.url = 'http://elsewhere'
  })

  it('useServerStats and useBalancerSnapshot', () => {
    expectTypeOf(useServerStats()).toEqualTypeOf<readonly ServerStats[]>()
    expectTypeOf(useBalancerSnapshot()).toEqualTypeOf<BalancerSnapshot>()
    expectTypeOf(useBalancerSnapshot((s) => s.servers.length)).toEqualTypeOf<number>()
    const byText = (a: string, b: string): boolean => a === b
    // @ts-expect-error the comparator must take the selection's type
    useBalancerSnapshot((s) => s.version, byText)
  })

  it('useBalancerEvent types the handler by event name', () => {
    useBalancerEvent('failover', (event) => {
      expectTypeOf(event).toEqualTypeOf<BalancerEvents['failover']>()
      expectTypeOf(event.to).toEqualTypeOf<ServerSnapshot>()
    })
    useBalancerEvent('error', (event) => {
      expectTypeOf(event.serverId).toEqualTypeOf<string | undefined>()
    })
    // @ts-expect-error not an event name
    useBalancerEvent('selcted', () => undefined)
  })

  it('useJob', () => {
    const job = useJob('0b9f4c1e-8e4c-4b8e-9e0a-2f6a1c3d4e5f')
    expectTypeOf(job.status).toEqualTypeOf<JobStatus>()
    expectTypeOf(job.status).toEqualTypeOf<'idle' | 'pending' | 'queued' | 'running' | 'success' | 'error'>()
    expectTypeOf(job.result).toEqualTypeOf<JobResult | undefined>()
    expectTypeOf(job.progress).toEqualTypeOf<JobProgress | undefined>()
    expectTypeOf(job.lastEvent).toEqualTypeOf<JobEvent | undefined>()
    expectTypeOf(job.serverId).toEqualTypeOf<string | undefined>()
    expectTypeOf(useJob).parameter(0).toEqualTypeOf<string | undefined>()
  })

  it('useBalancer is a LoadBalancer unless told otherwise', () => {
    expectTypeOf(useBalancer()).toEqualTypeOf<LoadBalancer>()
    expectTypeOf(useBalancer<BalancerLike>()).toEqualTypeOf<BalancerLike>()
  })

  it('the provider takes any BalancerLike; a LoadBalancer is one', () => {
    expectTypeOf<LoadBalancer>().toExtend<BalancerLike>()
    expectTypeOf(BalancerProvider).parameter(0).toHaveProperty('balancer').toEqualTypeOf<BalancerLike>()
    expectTypeOf(BalancerProvider).returns.toEqualTypeOf<ReactNode>()
    expectTypeOf(LoadBalancerStatus)
      .parameter(0)
      .toHaveProperty('className')
      .toEqualTypeOf<string | undefined>()
    // Its code is the bindings' own (core's ComfyBalancerErrorCode lists only what core throws).
    expectTypeOf<MissingBalancerError>().toExtend<ComfyBalancerError<BindingErrorCode>>()
    expectTypeOf<MissingBalancerError['caller']>().toEqualTypeOf<string>()
  })
})
