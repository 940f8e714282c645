import type { JobEvent } from '@comfy-balancer/core'
import { renderHook } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { type JobState, useJob } from '../index.js'
import { A, harness, idOf, installMsw, work, wrapperFor } from './harness.js'

installMsw()

describe('useJob', () => {
  it('follows a prompt from waiting through running to its result', async () => {
    const h = harness({ servers: [A] })
    h.cluster.model(A).submit({ prompt: work(2_000) }) // ours waits behind this one
    // Early-bound: POSTed at once, so it waits in the server's queue (late binding would hold it here).
    const { promptId } = await h.balancer.submit(work(3_000), { binding: 'early' })
    const seen: JobState['status'][] = []
    const { result } = renderHook(
      () => {
        const job = useJob(promptId)
        if (seen[seen.length - 1] !== job.status) seen.push(job.status)
        return job
      },
      { wrapper: wrapperFor(h, false) },
    )
    // Following starts by naming the server that holds the job: it is queued there.
    expect(result.current.status).toBe('queued')
    await h.advanceUntil(() => result.current.status === 'success')
    expect(result.current.status).toBe('success')
    expect(result.current.serverId).toBe(idOf(A))
    expect(result.current.result?.promptId).toBe(promptId)
    expect(Object.keys(result.current.result?.outputs ?? {})).toEqual(['1'])
    expect(seen).toEqual(['pending', 'queued', 'running', 'success'])
  })

  it('survives StrictMode’s double mount: the first follow is aborted, the second sees the job through', async () => {
    const h = harness({ servers: [A] })
    const { promptId } = await h.balancer.submit(work(1_000))
    const follow = vi.spyOn(h.balancer, 'result')
    const { result, unmount } = renderHook(() => useJob(promptId), {
      wrapper: wrapperFor(h, false),
      reactStrictMode: true,
    })
    await h.advanceUntil(() => result.current.status === 'success', { maxMs: 5_000 })
    expect(result.current.status).toBe('success')
    expect(follow.mock.calls.map(([, options]) => options?.signal?.aborted)).toEqual([true, false])
    unmount()
    await h.settle()
    expect(h.clock.pendingTimers()).toBe(0)
  })

  it('reports a failed job as status "error" with the JobError', async () => {
    const h = harness({ servers: [A] })
    const { promptId } = await h.balancer.submit(work(100, { fail: true }))
    const { result } = renderHook(() => useJob(promptId), { wrapper: wrapperFor(h, false) })
    await h.advanceUntil(() => result.current.status === 'error', { maxMs: 5_000 })
    expect(result.current.status).toBe('error')
    expect(result.current.error).toMatchObject({ code: 'JOB_FAILED' })
  })

  it('is idle without a prompt id and never calls result()', () => {
    const h = harness({ servers: [A] })
    const follow = vi.spyOn(h.balancer, 'result')
    const { result } = renderHook(() => useJob(undefined), { wrapper: wrapperFor(h, false) })
    expect(result.current).toEqual({
      status: 'idle',
      serverId: undefined,
      progress: undefined,
      lastEvent: undefined,
      result: undefined,
      error: undefined,
    })
    expect(follow).not.toHaveBeenCalled()
  })

  it('aborts following on unmount: no timers left, no late updates', async () => {
    const h = harness({ servers: [A] })
    const { promptId } = await h.balancer.submit(work(600_000))
    const follow = vi.spyOn(h.balancer, 'result')
    const { result, unmount } = renderHook(() => useJob(promptId), { wrapper: wrapperFor(h, false) })
    const signal = follow.mock.calls[0]?.[1]?.signal
    await h.advance(5_000)
    expect(result.current.status).toBe('running')
    expect(h.clock.pendingTimers()).toBeGreaterThan(0)
    unmount()
    await h.settle()
    expect(signal?.aborted).toBe(true)
    // Only the simulated server's own job timer is left: the balancer follows nothing any more.
    h.cluster.model(A).interrupt()
    await h.settle()
    expect(h.clock.pendingTimers()).toBe(0)
  })

  it('starts over when the prompt id changes, aborting the previous one', async () => {
    const h = harness({ servers: [A] })
    const first = await h.balancer.submit(work(600_000))
    const second = await h.balancer.submit(work(1_000), { binding: 'early' }) // queued behind the first
    const follow = vi.spyOn(h.balancer, 'result')
    const { result, rerender } = renderHook(({ id }) => useJob(id), {
      wrapper: wrapperFor(h, false),
      initialProps: { id: first.promptId },
    })
    await h.advance(1_000)
    expect(result.current.status).toBe('running')
    rerender({ id: second.promptId })
    expect(result.current.status).toBe('queued') // at once the new job's state, not the first one's
    expect(follow.mock.calls[0]?.[1]?.signal?.aborted).toBe(true)
    await h.advance(1_000)
    expect(result.current.status).toBe('queued') // waiting behind the first, which still runs
    expect(follow).toHaveBeenCalledTimes(2)
    expect(follow.mock.calls[1]?.[0]).toBe(second.promptId)
  })

  it('keeps the last progress event', async () => {
    const h = harness({ servers: [A] })
    const { promptId } = await h.balancer.submit(work(1_000))
    const events: JobEvent[] = []
    const real = h.balancer.result.bind(h.balancer)
    vi.spyOn(h.balancer, 'result').mockImplementation((id, options) =>
      real(id, {
        ...options,
        onEvent: (event) => {
          events.push(event)
          options?.onEvent?.(event)
          // What a WebSocket-mode balancer reports while the job runs.
          if (event.type === 'started') options?.onEvent?.({ ...event, type: 'progress', value: 3, max: 20 })
        },
      }),
    )
    const { result } = renderHook(() => useJob(promptId), { wrapper: wrapperFor(h, false) })
    await h.advanceUntil(() => result.current.status === 'running', { stepMs: 100, maxMs: 5_000 })
    expect(result.current.progress).toEqual({ value: 3, max: 20, node: undefined })
    expect(result.current.lastEvent?.type).toBe('progress')
    expect(events.map((e) => e.type)).toContain('started')
  })
})
