import { describeStatusPanel } from '@comfy-balancer/testkit/msw'
import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { BalancerProvider, LoadBalancerStatus, type LoadBalancerStatusProps } from '../index.js'
import { A, type Harness, harness, idOf, installMsw } from './harness.js'

installMsw()

function renderPanel(h: Harness, props: LoadBalancerStatusProps = {}) {
  return render(
    <BalancerProvider balancer={h.balancer}>
      <LoadBalancerStatus {...props} />
    </BalancerProvider>,
  )
}

describeStatusPanel('<LoadBalancerStatus>', {
  harness,
  mount: (h, props) => renderPanel(h, props),
  click: async (element) => {
    fireEvent.click(element) // inside act(), so React has rendered when it returns
  },
})

describe('<LoadBalancerStatus> in the accessibility tree', () => {
  it('is a table named by its caption, with column headers and one row header per server', async () => {
    const h = harness()
    renderPanel(h)
    await h.settle()
    const table = screen.getByRole('table', { name: 'ComfyUI servers' })
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent),
    ).toEqual(['Server', 'Health', 'Queue', 'Lock', 'Latency', 'Can run', 'Loaded', 'Last failure'])
    expect(
      within(table)
        .getAllByRole('rowheader')
        .map((th) => th.textContent),
    ).toEqual([`${idOf(A)} (next job)`, 'gpu-b.test:8188'])
    expect(screen.getAllByRole('status').map((region) => region.getAttribute('aria-live'))).toEqual([
      'polite',
      'polite',
    ])
    expect(screen.getByRole('button', { name: 'Test' })).toBeTruthy()
  })
})
