import { createLoadBalancer, type LoadBalancer } from '@comfy-balancer/core'
import { BINDING_TEST_URLS, type BindingHarness, createBindingHarness } from '@comfy-balancer/testkit/msw'
import { act, cleanup } from '@testing-library/react'
import type { ReactNode } from 'react'
import { BalancerProvider } from '../index.js'

export type Harness = BindingHarness<LoadBalancer>

export const { installMsw, harness } = createBindingHarness({
  createBalancer: createLoadBalancer,
  // React applies what the balancer published only inside act().
  renderAfter: (work) => act(work),
  // No vitest globals, so Testing Library cannot register its own cleanup.
  autoUnmount: (afterEach) => afterEach(cleanup),
})

/** A `renderHook` wrapper: the hook renders below a provider of `h.balancer`. */
export function wrapperFor(h: Harness, background = true) {
  return ({ children }: { children: ReactNode }) => (
    <BalancerProvider balancer={h.balancer} background={background}>
      {children}
    </BalancerProvider>
  )
}

export const [A, B, C] = BINDING_TEST_URLS
export { simWorkPrompt as work } from '@comfy-balancer/testkit'
export { serverIdOf as idOf } from '@comfy-balancer/testkit/msw'
