import type { LoadBalancer } from 'comfy-balancer'

/** Mounts the React and Vue views of the same balancer (filled in with the bindings). */
export function mountViews(reactRoot: HTMLElement, vueRoot: HTMLElement, balancer: LoadBalancer): void {
  reactRoot.textContent = `${balancer.getSnapshot().servers.length} servers`
  vueRoot.textContent = ''
}
