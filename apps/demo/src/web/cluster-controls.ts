import type { PageConfig } from '../server/page-server.js'
import { describeCatalog } from '../shared/models.js'

/** Buttons that drive the simulated servers' control API (`/__sim/…`): down, hang, crash, black hole, back. */
export function renderClusterControls(root: HTMLElement, config: PageConfig, onChange: () => void): void {
  if (!config.simulated) {
    root.textContent = 'Real servers: fault buttons are only offered for the simulated cluster.'
    return
  }
  for (const server of config.servers) {
    const set = document.createElement('fieldset')
    const legend = document.createElement('legend')
    legend.textContent = `${server.name} ×${server.weight}`
    set.append(legend)
    if (server.catalog) {
      // What is installed there; the panels above show what the balancer read and infers.
      const has = document.createElement('p')
      has.className = 'server-catalog'
      has.dataset.server = server.name
      has.textContent = describeCatalog(server.catalog, server.modelSlots, server.diskBytesPerSecond)
      set.append(has)
    }
    const actions: Array<[string, string, () => Promise<Response>]> = [
      ['Take down', 'down', () => control(server.url, 'fault', { kind: 'refuse' })],
      ['Hang', 'hang', () => control(server.url, 'fault', { kind: 'hang' })],
      ['Crash', 'crash', () => control(server.url, 'crash')],
      // Answers every probe, fails every job at once: what outlier ejection is for.
      ['Black hole', 'black-hole', () => control(server.url, 'worker', { fault: 'black-hole' })],
      [
        'Bring back',
        'up',
        async () => {
          await control(server.url, 'worker', { fault: null })
          return control(server.url, 'fault', {})
        },
      ],
    ]
    for (const [label, action, run] of actions) {
      const button = document.createElement('button')
      button.type = 'button'
      button.textContent = label
      button.dataset.server = server.name
      button.dataset.action = action
      button.addEventListener('click', async () => {
        await run()
        onChange()
      })
      set.append(button)
    }
    root.append(set)
  }
}

function control(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/__sim/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  })
}
