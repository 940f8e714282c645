import type { LoadBalancer } from '@comfy-balancer/core'
import { mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { type BalancerPluginOptions, createBalancerPlugin } from '../index.js'

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
