import { installConsoleTools } from 'comfy-balancer'
import { createPageBalancer } from './balancer.js'
import { renderClusterControls } from './cluster-controls.js'
import { loadPageConfig, strategyFromUrl } from './config.js'
import { startImpossibleJob } from './impossible-job.js'
import { startJobsPanel } from './jobs-panel.js'
import { startQueueChart } from './queue-chart.js'
import { mountViews } from './views.js'

const byId = <T extends Element>(id: string) => document.getElementById(id) as unknown as T

async function start(): Promise<void> {
  const config = await loadPageConfig()
  const strategy = strategyFromUrl()
  const { balancer, binding } = createPageBalancer(config, strategy)
  // The original design's console helpers: window.testLoadBalancer() and friends.
  installConsoleTools(window, balancer)
  Object.assign(window, { balancer })

  const select = byId<HTMLSelectElement>('strategy')
  select.value = strategy
  select.addEventListener('change', () => {
    const url = new URL(location.href)
    url.searchParams.set('strategy', select.value)
    location.assign(url)
  })
  if (!config.submit) {
    byId<HTMLButtonElement>('submit-jobs').disabled = true
    byId<HTMLElement>('job-summary').textContent = 'Real servers: start the demo with --submit to send work.'
  }
  mountViews(byId('react-root'), byId('vue-root'), balancer)
  renderClusterControls(byId('cluster-controls'), config, () => void balancer.refresh())
  startQueueChart(byId('queue-chart'), byId('chart-legend'), balancer)
  startJobsPanel(
    byId('workload'),
    byId<HTMLTableElement>('jobs').tBodies[0]!,
    byId('job-summary'),
    balancer,
    binding,
  )
  startImpossibleJob(
    byId('impossible'),
    byId('impossible-kind'),
    byId('impossible-result'),
    balancer,
    binding,
    config.submit,
  )

  for (const [tab, panel, other, otherPanel] of [
    ['tab-react', 'react-root', 'tab-vue', 'vue-root'],
    ['tab-vue', 'vue-root', 'tab-react', 'react-root'],
  ] as const) {
    byId<HTMLButtonElement>(tab).addEventListener('click', () => {
      byId<HTMLElement>(tab).setAttribute('aria-selected', 'true')
      byId<HTMLElement>(other).setAttribute('aria-selected', 'false')
      byId<HTMLElement>(panel).hidden = false
      byId<HTMLElement>(otherPanel).hidden = true
    })
  }
  document.body.dataset.ready = 'true'
}

start().catch((error: unknown) => {
  document.body.dataset.ready = 'error'
  byId<HTMLElement>('job-summary').textContent = `The demo could not start: ${String(error)}`
})
