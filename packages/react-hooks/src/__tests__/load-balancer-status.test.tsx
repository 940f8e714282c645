import { driveClock } from '@comfy-balancer/testkit'
import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { BalancerProvider, LoadBalancerStatus } from '../index.js'
import { A, type Harness, harness, idOf, installMsw, work } from './harness.js'

installMsw()

function renderPanel(h: Harness, props: Parameters<typeof LoadBalancerStatus>[0] = {}) {
  return render(
    <BalancerProvider balancer={h.balancer}>
      <LoadBalancerStatus {...props} />
    </BalancerProvider>,
  )
}

const row = (id: string): HTMLElement => {
  const found = screen.getAllByRole('row').find((tr) => tr.dataset.serverId === id)
  if (!found) throw new Error(`no row for ${id}`)
  return found
}
const cells = (id: string): string[] =>
  within(row(id))
    .getAllByRole('cell')
    .map((cell) => cell.textContent ?? '')

describe('<LoadBalancerStatus>', () => {
  it('is an accessible table: caption, column headers, one row header per server', async () => {
    const h = harness()
    renderPanel(h)
    await h.settle()
    const table = screen.getByRole('table', { name: 'ComfyUI servers' })
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent),
    ).toEqual(['Server', 'Health', 'Queue', 'Lock', 'Latency', 'Last failure'])
    expect(
      within(table)
        .getAllByRole('rowheader')
        .map((th) => th.textContent),
    ).toEqual([`${idOf(A)} (next job)`, 'gpu-b.test:8188'])
    expect(screen.getAllByRole('status')[0]?.getAttribute('aria-live')).toBe('polite')
  })

  it('shows a server going unhealthy and coming back, with its last failure, and announces it', async () => {
    const h = harness()
    renderPanel(h)
    expect(screen.getAllByRole('status')[0]?.textContent).toBe('Checking servers…')
    await h.settle()
    expect(row(idOf(A)).dataset.health).toBe('healthy')
    expect(cells(idOf(A))).toEqual(['healthy', '0', 'unlocked', '0 ms', '—'])
    expect(screen.getAllByRole('status')[0]?.textContent).toBe(
      `2 of 2 servers healthy. Next job goes to ${idOf(A)}.`,
    )

    h.cluster.model(A).setFault({ kind: 'refuse' })
    await h.advance(15_000)
    expect(row(idOf(A)).dataset.health).toBe('unhealthy')
    expect(row(idOf(A)).className).toContain('cb-status__row--unhealthy')
    const [health, , , latency, failure] = cells(idOf(A))
    expect(health).toBe('unhealthy')
    expect(latency).toMatch(/^\d+ ms$/)
    const refusedAt = new Date(h.clock.now()).toISOString().slice(11, 19)
    expect(failure).toMatch(
      new RegExp(`^health probe failed: gpu-a.test:8188 .*failed to fetch \\(${refusedAt}\\)$`, 'i'),
    )
    expect(screen.getAllByRole('status')[0]?.textContent).toBe(
      '1 of 2 servers healthy. Next job goes to gpu-b.test:8188.',
    )
    expect(row('gpu-b.test:8188').getAttribute('aria-current')).toBe('true')

    h.cluster.model(A).setFault(undefined)
    await h.advance(1_000) // the recovery probe
    expect(row(idOf(A)).dataset.health).toBe('healthy')
    expect(cells(idOf(A))[4]).toBe(failure) // the last failure stays on record
    expect(screen.getAllByRole('status')[0]?.textContent).toBe(
      `2 of 2 servers healthy. Next job goes to ${idOf(A)}.`,
    )
  })

  it('shows a server held out by outlier ejection, and until when', async () => {
    const h = harness()
    renderPanel(h)
    await h.settle()
    h.cluster.model(A).setWorkerFault('black-hole')
    for (let i = 0; i < 3; i++) {
      await driveClock(h.clock, h.balancer.run(work(100), { job: { include: [idOf(A)] } }))
    }
    await h.settle()
    const until = h.balancer.getServerStats()[0]?.ejectedUntil
    expect(until).toBeGreaterThan(h.clock.now())
    expect(row(idOf(A)).dataset.health).toBe('unhealthy')
    expect(cells(idOf(A))[0]).toBe(`held out until ${new Date(until!).toISOString().slice(11, 19)}`)
    expect(cells(idOf(A))[4]).toMatch(/^ejected for \d+ s: 3 failed jobs in a row/)
  })

  it('shows queues and in-flight jobs', async () => {
    const h = harness()
    renderPanel(h)
    await h.settle()
    h.cluster.model(A).submit({ prompt: work(600_000) })
    h.cluster.model(A).submit({ prompt: work(600_000) })
    await h.advance(15_000)
    expect(cells(idOf(A))[1]).toBe('2')
    await h.settle()
    const lease = await h.balancer.acquire()
    await h.settle()
    expect(cells(lease.server.id)[1]).toBe('0 (+1 in flight)')
    lease.release()
  })

  it('runs a fresh probe and a selection from the Test button, leaving nothing in flight', async () => {
    const h = harness()
    renderPanel(h)
    await h.settle()
    const probes = h.cluster.model(A).requestCounts.system_stats
    fireEvent.click(screen.getByRole('button', { name: 'Test' }))
    expect((screen.getByRole('button', { name: 'Test' }) as HTMLButtonElement).disabled).toBe(true)
    await h.settle()
    expect(h.cluster.model(A).requestCounts.system_stats).toBe(probes + 1)
    expect(screen.getAllByRole('status')[1]?.textContent).toBe(
      `Test: 2 of 2 servers healthy; selected ${idOf(A)}.`,
    )
    expect((screen.getByRole('button', { name: 'Test' }) as HTMLButtonElement).disabled).toBe(false)
    expect(h.balancer.getSnapshot().servers.map((s) => s.inFlight)).toEqual([0, 0])
  })

  it('reports a failed test in the live region', async () => {
    const h = harness()
    renderPanel(h)
    await h.settle()
    h.balancer.dispose()
    fireEvent.click(screen.getByRole('button', { name: 'Test' }))
    await h.settle()
    expect(screen.getAllByRole('status')[1]?.textContent).toMatch(/^Test failed: .*disposed/i)
  })

  it('takes a class name for theming, a caption, a time format, and can hide the button', async () => {
    const h = harness()
    const view = renderPanel(h, {
      className: 'servers',
      caption: 'GPU pool',
      formatTime: () => 'at some time',
      showTest: false,
    })
    await h.settle()
    h.balancer.recordFailure(A, 'job failed: CUDA out of memory')
    await h.settle()
    expect(view.container.querySelector('section.servers > table.servers__table')).not.toBeNull()
    expect(view.container.querySelectorAll('tr.servers__row')).toHaveLength(2)
    expect(screen.getByRole('table', { name: 'GPU pool' })).toBeTruthy()
    expect(cells(idOf(A))[4]).toBe('job failed: CUDA out of memory (at some time)')
    expect(screen.queryByRole('button')).toBeNull()
  })
})
