import { driveClock } from '@comfy-balancer/testkit'
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createBalancerPlugin, LoadBalancerStatus } from '../index.js'
import { A, B, type Harness, harness, idOf, installMsw, work } from './harness.js'

installMsw()

function mountPanel(h: Harness, props: Record<string, unknown> = {}) {
  return mount(LoadBalancerStatus, { props, global: { plugins: [createBalancerPlugin(h.balancer)] } })
}

type Panel = ReturnType<typeof mountPanel>
const row = (w: Panel, id: string) => w.get(`tr[data-server-id="${id}"]`)
const cells = (w: Panel, id: string): string[] =>
  row(w, id)
    .findAll('td')
    .map((td) => td.text())
const summary = (w: Panel): string => w.get('[role="status"]').text()

describe('<LoadBalancerStatus> (Vue)', () => {
  it('is an accessible table: caption, column headers, one row header per server, a live region', async () => {
    const h = harness()
    const w = mountPanel(h)
    await h.settle()
    expect(w.get('table caption').text()).toBe('ComfyUI servers')
    expect(w.findAll('thead th').map((th) => [th.text(), th.attributes('scope')])).toEqual([
      ['Server', 'col'],
      ['Health', 'col'],
      ['Queue', 'col'],
      ['Lock', 'col'],
      ['Latency', 'col'],
      ['Last failure', 'col'],
    ])
    expect(w.findAll('tbody th[scope="row"]').map((th) => th.text())).toEqual([
      `${idOf(A)} (next job)`,
      idOf(B),
    ])
    expect(w.get('[role="status"]').attributes('aria-live')).toBe('polite')
    expect(w.get('section').attributes('aria-label')).toBe('ComfyUI servers')
  })

  it('shows a server going unhealthy and coming back, with its last failure, and announces it', async () => {
    const h = harness()
    const w = mountPanel(h)
    expect(summary(w)).toBe('Checking servers…')
    await h.settle()
    expect(cells(w, idOf(A))).toEqual(['healthy', '0', 'unlocked', '0 ms', '—'])
    expect(summary(w)).toBe(`2 of 2 servers healthy. Next job goes to ${idOf(A)}.`)

    h.cluster.model(A).setFault({ kind: 'refuse' })
    await h.advance(15_000)
    expect(row(w, idOf(A)).attributes('data-health')).toBe('unhealthy')
    expect(row(w, idOf(A)).classes()).toContain('cb-status__row--unhealthy')
    const refusedAt = new Date(h.clock.now()).toISOString().slice(11, 19)
    const failure = cells(w, idOf(A))[4]
    expect(failure).toMatch(new RegExp(`^health probe failed: gpu-a.test:8188 .* \\(${refusedAt}\\)$`))
    expect(summary(w)).toBe(`1 of 2 servers healthy. Next job goes to ${idOf(B)}.`)
    expect(row(w, idOf(B)).attributes('aria-current')).toBe('true')

    h.cluster.model(A).setFault(undefined)
    await h.advance(1_000)
    expect(row(w, idOf(A)).attributes('data-health')).toBe('healthy')
    expect(cells(w, idOf(A))[4]).toBe(failure)
    expect(summary(w)).toBe(`2 of 2 servers healthy. Next job goes to ${idOf(A)}.`)
  })

  it('shows a server held out by outlier ejection, and until when', async () => {
    const h = harness()
    const w = mountPanel(h)
    await h.settle()
    h.cluster.model(A).setWorkerFault('black-hole')
    for (let i = 0; i < 3; i++) {
      await driveClock(h.clock, h.balancer.run(work(100), { job: { include: [idOf(A)] } }))
    }
    await h.settle()
    const until = h.balancer.getServerStats()[0]?.ejectedUntil
    expect(until).toBeGreaterThan(h.clock.now())
    expect(row(w, idOf(A)).attributes('data-health')).toBe('unhealthy')
    expect(cells(w, idOf(A))[0]).toBe(`held out until ${new Date(until!).toISOString().slice(11, 19)}`)
    expect(cells(w, idOf(A))[4]).toMatch(/^ejected for \d+ s: 3 failed jobs in a row/)
  })

  it('shows queues and in-flight jobs', async () => {
    const h = harness()
    const w = mountPanel(h)
    await h.settle()
    h.cluster.model(A).submit({ prompt: work(600_000) })
    h.cluster.model(A).submit({ prompt: work(600_000) })
    await h.advance(15_000)
    expect(cells(w, idOf(A))[1]).toBe('2')
    const lease = await h.balancer.acquire()
    await h.settle()
    expect(cells(w, lease.server.id)[1]).toBe('0 (+1 in flight)')
    lease.release()
  })

  it('runs a fresh probe and a selection from the Test button, leaving nothing in flight', async () => {
    const h = harness()
    const w = mountPanel(h)
    await h.settle()
    const probes = h.cluster.model(A).requestCounts.system_stats
    await w.get('button').trigger('click')
    expect(w.get('button').attributes('disabled')).toBeDefined()
    await h.settle()
    expect(h.cluster.model(A).requestCounts.system_stats).toBe(probes + 1)
    expect(w.get('output').text()).toBe(`Test: 2 of 2 servers healthy; selected ${idOf(A)}.`)
    expect(w.get('button').attributes('disabled')).toBeUndefined()
    expect(h.balancer.getSnapshot().servers.map((s) => s.inFlight)).toEqual([0, 0])
  })

  it('takes a class name for theming, a caption, a time format, and can hide the button', async () => {
    const h = harness()
    const w = mountPanel(h, {
      className: 'servers',
      caption: 'GPU pool',
      formatTime: () => 'at some time',
      showTest: false,
    })
    await h.settle()
    h.balancer.recordFailure(A, 'job failed: CUDA out of memory')
    await h.settle()
    expect(w.find('section.servers > table.servers__table').exists()).toBe(true)
    expect(w.findAll('tr.servers__row')).toHaveLength(2)
    expect(w.get('caption').text()).toBe('GPU pool')
    expect(cells(w, idOf(A))[4]).toBe('job failed: CUDA out of memory (at some time)')
    expect(w.find('button').exists()).toBe(false)
  })

  it('leaves no timers running once unmounted', async () => {
    const h = harness()
    const w = mountPanel(h)
    await h.advance(15_000)
    w.unmount()
    await h.settle()
    expect(h.clock.pendingTimers()).toBe(0)
  })
})
