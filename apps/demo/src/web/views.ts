import type { LoadBalancer } from 'comfy-balancer'
import { mountReactView } from './react-view.js'
import { mountVueView } from './vue-view.js'

/** Mounts the React and Vue views of the same balancer. */
export function mountViews(reactRoot: HTMLElement, vueRoot: HTMLElement, balancer: LoadBalancer): void {
  mountReactView(reactRoot, balancer)
  mountVueView(vueRoot, balancer)
}
