import {
  BalancerProvider,
  LoadBalancerStatus,
  useBalancerEvent,
  useOptimalServer,
} from '@comfy-balancer/react'
import type { LoadBalancer } from 'comfy-balancer'
import { useState } from 'react'
import { createRoot } from 'react-dom/client'

function NextServer() {
  const { server, status } = useOptimalServer()
  return (
    <p className="next-server" data-view="react">
      Next job goes to: <strong>{server?.name ?? status}</strong>
    </p>
  )
}

function Failovers() {
  const [last, setLast] = useState<string>()
  useBalancerEvent('failover', (event) => setLast(`${event.from.name} → ${event.to.name}: ${event.reason}`))
  return last ? (
    <p className="failover" role="status">
      Last failover: {last}
    </p>
  ) : null
}

/** The React view: our bindings' status panel and optimal-server hook over the page's balancer. */
export function mountReactView(root: HTMLElement, balancer: LoadBalancer): void {
  createRoot(root).render(
    <BalancerProvider balancer={balancer}>
      <NextServer />
      <Failovers />
      <LoadBalancerStatus caption="ComfyUI servers (React view)" />
    </BalancerProvider>,
  )
}
