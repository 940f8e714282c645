import { describe, expect, it } from 'vitest'
import { driveClock } from '../drive'
import type { PromptGraph } from '../model/comfy-types'
import { simWorkPrompt } from '../prompts'
import { BINDING_TEST_URLS, type BindingHarness, type ProbingBalancer, serverIdOf } from './binding-harness'

/** What the suite drives of a balancer, by shape: core's `LoadBalancer` fits. */
export interface StatusPanelBalancer extends ProbingBalancer {
  getSnapshot(): { readonly running: boolean; readonly servers: readonly { readonly inFlight: number }[] }
  getServerStats(): readonly { readonly ejectedUntil?: number | undefined }[]
  run(prompt: PromptGraph, options: { job: { include: string[] } }): Promise<unknown>
  acquire(): Promise<{ readonly server: { readonly id: string }; release(): void }>
  recordFailure(server: string, reason: string): void
  dispose(): void
}

/** The props the suite gives the panel: what both bindings' `<LoadBalancerStatus>` take. */
export interface StatusPanelSuiteProps {
  readonly className?: string
  readonly caption?: string
  readonly formatTime?: (ms: number) => string
  readonly showTest?: boolean
}

/** A panel the binding rendered for the suite. */
export interface MountedStatusPanel {
  /** An element the panel's `<section>` is in. */
  readonly container: Element
  unmount(): void
}

/** The binding's part of {@link describeStatusPanel}. */
export interface StatusPanelSuiteSetup<Balancer extends StatusPanelBalancer> {
  /** The binding's `harness`, from `createBindingHarness()`. */
  harness(): BindingHarness<Balancer>
  /** Renders `<LoadBalancerStatus {...props}>` with the balancer of `h` provided to it. */
  mount(h: BindingHarness<Balancer>, props: StatusPanelSuiteProps): MountedStatusPanel
  /** Clicks `element` and returns once the framework has rendered what the click changed. */
  click(element: HTMLElement): Promise<void>
}

const [A, B] = BINDING_TEST_URLS
const [idA, idB] = [serverIdOf(A), serverIdOf(B)]
const clockTime = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

function panelReader(container: Element) {
  const get = (selector: string): HTMLElement => {
    const found = container.querySelector<HTMLElement>(selector)
    if (found === null) throw new Error(`the panel has no ${selector}`)
    return found
  }
  const row = (id: string) => get(`tr[data-server-id="${id}"]`)
  return {
    get,
    row,
    texts: (selector: string) => [...container.querySelectorAll(selector)].map((e) => e.textContent),
    cells: (id: string) => [...row(id).querySelectorAll('td')].map((td) => td.textContent),
    summary: () => get('[role="status"]').textContent,
    testResult: () => get('output').textContent,
    button: () => get('button') as HTMLButtonElement,
  }
}

/**
 * The status panel's promises, the same in every binding: an accessible table of the servers, live
 * health, queue, lock and failure, the "Test" button, theming, and no timer left once unmounted.
 * Call it at the top level of a test file that called the harness's `installMsw()`.
 */
export function describeStatusPanel<Balancer extends StatusPanelBalancer>(
  name: string,
  setup: StatusPanelSuiteSetup<Balancer>,
): void {
  const mountPanel = (props: StatusPanelSuiteProps = {}) => {
    const h = setup.harness()
    const mounted = setup.mount(h, props)
    return { h, mounted, panel: panelReader(mounted.container) }
  }

  describe(name, () => {
    it('is an accessible table: caption, column headers, one row header per server, live regions', async () => {
      const { h, panel } = mountPanel()
      await h.settle()
      expect(panel.get('section').getAttribute('aria-label')).toBe('ComfyUI servers')
      expect(panel.get('table > caption').textContent).toBe('ComfyUI servers')
      expect(panel.texts('thead th[scope="col"]')).toEqual([
        'Server',
        'Health',
        'Queue',
        'Lock',
        'Latency',
        'Can run',
        'Loaded',
        'Last failure',
      ])
      expect(panel.texts('tbody th[scope="row"]')).toEqual([`${idA} (next job)`, idB])
      expect(panel.get('[role="status"]').getAttribute('aria-live')).toBe('polite')
      expect(panel.get('output').getAttribute('aria-live')).toBe('polite')
    })

    it('shows a server going unhealthy and coming back, with its last failure, and announces it', async () => {
      const { h, panel } = mountPanel()
      expect(panel.summary()).toBe('Checking servers…')
      await h.settle()
      expect(panel.row(idA).dataset.health).toBe('healthy')
      expect(panel.cells(idA)).toEqual([
        'healthy',
        '0',
        'unlocked',
        '0 ms',
        '15 nodes · 2 checkpoints',
        '—',
        '—',
      ])
      expect(panel.summary()).toBe(`2 of 2 servers healthy. Next job goes to ${idA}.`)

      h.cluster.model(A).setFault({ kind: 'refuse' })
      await h.advance(15_000)
      expect(panel.row(idA).dataset.health).toBe('unhealthy')
      expect(panel.row(idA).className).toContain('cb-status__row--unhealthy')
      const [health, , , latency, , , failure] = panel.cells(idA)
      expect(health).toBe('unhealthy')
      expect(latency).toMatch(/^\d+ ms$/)
      expect(failure).toMatch(
        new RegExp(`^health probe failed: ${idA} .*failed to fetch \\(${clockTime(h.clock.now())}\\)$`, 'i'),
      )
      expect(panel.summary()).toBe(`1 of 2 servers healthy. Next job goes to ${idB}.`)
      expect(panel.row(idB).getAttribute('aria-current')).toBe('true')
      expect(panel.row(idA).getAttribute('aria-current')).toBeNull()

      h.cluster.model(A).setFault(undefined)
      await h.advance(1_000) // the recovery probe
      expect(panel.row(idA).dataset.health).toBe('healthy')
      expect(panel.cells(idA)[6]).toBe(failure) // the last failure stays on record
      expect(panel.summary()).toBe(`2 of 2 servers healthy. Next job goes to ${idA}.`)
    })

    it('shows a server held out by outlier ejection, and until when', async () => {
      const { h, panel } = mountPanel()
      await h.settle()
      h.cluster.model(A).setWorkerFault('black-hole')
      // One failed job is enough: out until a canary prompt runs there.
      await driveClock(h.clock, h.balancer.run(simWorkPrompt(100), { job: { include: [idA] } }))
      await h.settle()
      const until = h.balancer.getServerStats()[0]?.ejectedUntil
      expect(until).toBeGreaterThan(h.clock.now())
      expect(panel.row(idA).dataset.health).toBe('unhealthy')
      expect(panel.cells(idA)[0]).toBe(`held out until ${clockTime(until!)}`)
      expect(panel.cells(idA)[6]).toMatch(
        /^ejected until a canary prompt runs there \(at most 300 s\): a job failed/,
      )
    })

    it('shows queues and in-flight jobs', async () => {
      const { h, panel } = mountPanel()
      await h.settle()
      h.cluster.model(A).submit({ prompt: simWorkPrompt(600_000) })
      h.cluster.model(A).submit({ prompt: simWorkPrompt(600_000) })
      await h.advance(15_000)
      expect(panel.cells(idA)[1]).toBe('2')
      await h.settle()
      const lease = await h.balancer.acquire()
      await h.settle()
      expect(panel.cells(lease.server.id)[1]).toBe('0 (+1 in flight)')
      lease.release()
    })

    it('runs a fresh probe and a selection from the Test button, leaving nothing in flight', async () => {
      const { h, panel } = mountPanel()
      await h.settle()
      const probes = h.cluster.model(A).requestCounts.system_stats
      expect(panel.button().textContent).toBe('Test')
      await setup.click(panel.button())
      expect(panel.button().disabled).toBe(true)
      await h.settle()
      expect(h.cluster.model(A).requestCounts.system_stats).toBe(probes + 1)
      expect(panel.testResult()).toBe(`Test: 2 of 2 servers healthy; selected ${idA}.`)
      expect(panel.button().disabled).toBe(false)
      expect(h.balancer.getSnapshot().servers.map((s) => s.inFlight)).toEqual([0, 0])
    })

    it('reports a failed test in the live region', async () => {
      const { h, panel } = mountPanel()
      await h.settle()
      h.balancer.dispose()
      await setup.click(panel.button())
      await h.settle()
      expect(panel.testResult()).toMatch(/^Test failed: .*disposed/i)
    })

    it('takes a class name for theming, a caption, a time format, and can hide the button', async () => {
      const { h, mounted, panel } = mountPanel({
        className: 'servers',
        caption: 'GPU pool',
        formatTime: () => 'at some time',
        showTest: false,
      })
      await h.settle()
      h.balancer.recordFailure(A, 'job failed: CUDA out of memory')
      await h.settle()
      expect(mounted.container.querySelector('section.servers > table.servers__table')).not.toBeNull()
      expect(mounted.container.querySelectorAll('tr.servers__row')).toHaveLength(2)
      expect(panel.get('caption').textContent).toBe('GPU pool')
      expect(panel.get('section').getAttribute('aria-label')).toBe('GPU pool')
      expect(panel.cells(idA)[6]).toBe('job failed: CUDA out of memory (at some time)')
      expect(mounted.container.querySelector('button')).toBeNull()
    })

    it('leaves no timer running once unmounted', async () => {
      const { h, mounted } = mountPanel()
      await h.advance(15_000)
      await h.expectProbingStoppedBy(() => mounted.unmount())
    })
  })
}
