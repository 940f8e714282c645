import { describeStatusPanel } from '@comfy-balancer/testkit/msw'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { createBalancerPlugin, LoadBalancerStatus } from '../index.js'
import { harness, installMsw } from './harness.js'

installMsw()

describeStatusPanel('<LoadBalancerStatus> (Vue)', {
  harness,
  mount: (h, props) => {
    const container = document.createElement('div')
    const wrapper = mount(LoadBalancerStatus, {
      props,
      attachTo: container,
      global: { plugins: [createBalancerPlugin(h.balancer)] },
    })
    return { container, unmount: () => wrapper.unmount() }
  },
  click: async (element) => {
    element.click()
    await nextTick()
  },
})
