import { createLoadBalancer, type LoadBalancer } from '@comfy-balancer/core'
import { BINDING_TEST_URLS, type BindingHarness, createBindingHarness } from '@comfy-balancer/testkit/msw'
import { enableAutoUnmount, mount } from '@vue/test-utils'
import { defineComponent, h, nextTick } from 'vue'
import { type BalancerPluginOptions, createBalancerPlugin } from '../index.js'

export type Harness = BindingHarness<LoadBalancer>

export const { installMsw, harness } = createBindingHarness({
  createBalancer: createLoadBalancer,
  // The balancer's changes reach Vue's refs at once; the DOM follows on the next tick.
  renderAfter: async (work) => {
    await work()
    await nextTick()
  },
  autoUnmount: enableAutoUnmount,
})

/** Mounts a component whose setup() runs `composable`, with the plugin installed; returns both. */
export function mountWith<T>(
  balancer: LoadBalancer | undefined,
  composable: () => T,
  options: BalancerPluginOptions = {},
): { result: T; wrapper: ReturnType<typeof mount> } {
  let result: T | undefined
  const Host = defineComponent({
    setup() {
      result = composable()
      return () => h('div')
    },
  })
  const wrapper = mount(Host, {
    global: { plugins: balancer ? [createBalancerPlugin(balancer, options)] : [] },
  })
  return { result: result as T, wrapper }
}

export const [A, B, C] = BINDING_TEST_URLS
export { simWorkPrompt as work } from '@comfy-balancer/testkit'
export { serverIdOf as idOf } from '@comfy-balancer/testkit/msw'
