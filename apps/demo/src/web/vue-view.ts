import { createBalancerPlugin, LoadBalancerStatus, useLoadBalancer } from '@comfy-balancer/vue'
import type { LoadBalancer } from 'comfy-balancer'
import { createApp, defineComponent, h, ref } from 'vue'

/** The Vue view: our composables over the same balancer, with the original design's failover test. */
const VueView = defineComponent({
  name: 'DemoVueView',
  setup() {
    const { optimal, status, testFailover } = useLoadBalancer()
    const message = ref('')
    const runFailoverTest = async () => {
      const result = await testFailover()
      message.value = `Marked ${result.failed.name} failed; next job goes to ${result.next?.name ?? 'none'}.`
    }
    return () =>
      h('div', [
        h('p', { class: 'next-server', 'data-view': 'vue' }, [
          'Next job goes to: ',
          h('strong', optimal.value?.name ?? status.value),
        ]),
        h(LoadBalancerStatus, { caption: 'ComfyUI servers (Vue view)' }),
        h('p', [
          h(
            'button',
            { type: 'button', id: 'vue-test-failover', onClick: () => void runFailoverTest() },
            'Test failover',
          ),
          h('output', { 'aria-live': 'polite', id: 'vue-failover-result' }, ` ${message.value}`),
        ]),
      ])
  },
})

export function mountVueView(root: HTMLElement, balancer: LoadBalancer): void {
  createApp(VueView).use(createBalancerPlugin(balancer)).mount(root)
}
