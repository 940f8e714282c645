import { describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { useJob } from '../index.js'
import { A, harness, idOf, installMsw, mountWith, work } from './harness.js'

installMsw()

describe('useJob (Vue)', () => {
  it('follows a prompt from waiting through running to its result', async () => {
    const h = harness({ servers: [A] })
    h.cluster.model(A).submit({ prompt: work(2_000) })
    // Early-bound: POSTed at once, so it waits in the server's queue (late binding would hold it here).
    const { promptId } = await h.balancer.submit(work(3_000), { binding: 'early' })
    const { result: job } = mountWith(h.balancer, () => useJob(promptId), { background: false })
    const seen = [job.status.value]
    await h.advanceUntil(() => {
      if (seen[seen.length - 1] !== job.status.value) seen.push(job.status.value)
      return job.status.value === 'success'
    })
    // Following starts by naming the server that holds the job: it is queued there.
    expect(seen).toEqual(['queued', 'running', 'success'])
    expect(job.serverId.value).toBe(idOf(A))
    expect(job.result.value?.promptId).toBe(promptId)
  })

  it('reports a failed job as status "error"', async () => {
    const h = harness({ servers: [A] })
    const { promptId } = await h.balancer.submit(work(100, { fail: true }))
    const { result: job } = mountWith(h.balancer, () => useJob(promptId), { background: false })
    await h.advanceUntil(() => job.status.value === 'error', { maxMs: 5_000 })
    expect(job.status.value).toBe('error')
    expect(job.error.value).toMatchObject({ code: 'JOB_FAILED' })
  })

  it('is idle without a prompt id', () => {
    const h = harness({ servers: [A] })
    const follow = vi.spyOn(h.balancer, 'result')
    const { result: job } = mountWith(h.balancer, () => useJob(undefined), { background: false })
    expect(job.status.value).toBe('idle')
    expect(follow).not.toHaveBeenCalled()
  })

  it('follows a ref: a new id aborts the old one and starts over', async () => {
    const h = harness({ servers: [A] })
    const first = await h.balancer.submit(work(600_000))
    const second = await h.balancer.submit(work(1_000), { binding: 'early' }) // queued behind the first
    const follow = vi.spyOn(h.balancer, 'result')
    const id = ref<string | undefined>(first.promptId)
    const { result: job } = mountWith(h.balancer, () => useJob(id), { background: false })
    await h.advance(1_000)
    expect(job.status.value).toBe('running')
    id.value = second.promptId
    await h.settle()
    expect(job.status.value).toBe('queued')
    expect(follow.mock.calls[0]?.[1]?.signal?.aborted).toBe(true)
    expect(follow.mock.calls[1]?.[0]).toBe(second.promptId)
    id.value = undefined
    await h.settle()
    expect(job.status.value).toBe('idle')
    expect(follow.mock.calls[1]?.[1]?.signal?.aborted).toBe(true)
  })

  it('aborts following on unmount: no timers left', async () => {
    const h = harness({ servers: [A] })
    const { promptId } = await h.balancer.submit(work(600_000))
    const follow = vi.spyOn(h.balancer, 'result')
    const { result: job, wrapper } = mountWith(h.balancer, () => useJob(promptId), { background: false })
    await h.advance(5_000)
    expect(job.status.value).toBe('running')
    wrapper.unmount()
    await h.settle()
    expect(follow.mock.calls[0]?.[1]?.signal?.aborted).toBe(true)
    h.cluster.model(A).interrupt() // the simulated server's own job timer
    await h.settle()
    expect(h.clock.pendingTimers()).toBe(0)
  })
})
