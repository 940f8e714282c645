import { InvalidArgumentError } from '@comfy-balancer/core'
import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, effectScope, h as vnode } from 'vue'
import {
  createBalancerPlugin,
  LoadBalancerStatus,
  MissingBalancerError,
  provideBalancer,
  useBalancer,
  useBalancerSnapshot,
  useJob,
  useLoadBalancer,
  useOptimalServer,
} from '../index.js'
import { A, harness, installMsw, mountWith } from './harness.js'

installMsw()

describe('createBalancerPlugin', () => {
  it('provides the balancer and probes in the background while a component uses it, with no timer left after', async () => {
    const h = harness()
    const { result, wrapper } = mountWith(h.balancer, () => ({
      balancer: useBalancer(),
      lb: useLoadBalancer(),
    }))
    expect(result.balancer).toBe(h.balancer)
    await h.settle()
    expect(h.cluster.model(A).requestCounts.system_stats).toBe(1)
    await h.expectProbing()
    await h.expectProbingStoppedBy(() => wrapper.unmount())
  })

  it('stops probing only when the last component using it unmounts (reference-counted)', async () => {
    const h = harness()
    const first = mountWith(h.balancer, () => useOptimalServer())
    const second = mountWith(h.balancer, () => useLoadBalancer())
    await h.settle()
    first.wrapper.unmount()
    await h.expectProbing()
    await h.expectProbingStoppedBy(() => second.wrapper.unmount())
  })

  it('leaves probing alone with background: false (but still fetches a first round)', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useOptimalServer(), { background: false })
    await h.settle()
    expect(h.balancer.getSnapshot().running).toBe(false)
    expect(result.status.value).toBe('ready')
    expect(h.clock.pendingTimers()).toBe(0)
  })

  it('unsubscribes when an effect scope (not only a component) is stopped', async () => {
    const h = harness()
    const Host = defineComponent({
      setup() {
        const scope = effectScope()
        const snapshot = scope.run(() => useBalancerSnapshot((s) => s.version))
        return () => vnode('button', { onClick: () => scope.stop() }, String(snapshot?.value))
      },
    })
    const wrapper = mount(Host, { global: { plugins: [createBalancerPlugin(h.balancer)] } })
    await h.settle()
    await h.expectProbing()
    await h.expectProbingStoppedBy(() => wrapper.get('button').trigger('click'))
  })
})

describe('provideBalancer', () => {
  it('provides to descendants, overriding the plugin', async () => {
    const h = harness()
    const other = harness()
    const Child = defineComponent({
      setup() {
        const balancer = useBalancer()
        return () => vnode('p', balancer === h.balancer ? 'provided' : 'plugin')
      },
    })
    const Parent = defineComponent({
      setup() {
        provideBalancer(h.balancer, { background: false })
        return () => vnode(Child)
      },
    })
    const wrapper = mount(Parent, { global: { plugins: [createBalancerPlugin(other.balancer)] } })
    expect(wrapper.text()).toBe('provided')
  })

  it('fails loudly outside setup()', () => {
    const h = harness()
    expect(() => provideBalancer(h.balancer)).toThrow(InvalidArgumentError)
    expect(() => provideBalancer(h.balancer)).toThrow(/inside a component's setup\(\)/)
  })
})

describe('without the plugin', () => {
  const calls: [string, () => unknown][] = [
    ['useBalancer()', () => useBalancer()],
    ['useBalancerSnapshot()', () => useBalancerSnapshot()],
    ['useOptimalServer()', () => useOptimalServer()],
    ['useLoadBalancer()', () => useLoadBalancer()],
    ['useJob()', () => useJob('x')],
  ]

  it.each(calls)('%s throws MissingBalancerError saying how to install it', (name, composable) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined) // Vue reports the setup error too
    let thrown: unknown
    try {
      mountWith(undefined, composable)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MissingBalancerError)
    expect((thrown as MissingBalancerError).code).toBe('MISSING_PROVIDER')
    expect((thrown as Error).message).toBe(
      `${name} found no balancer: install the plugin with app.use(createBalancerPlugin(balancer)), ` +
        'or call provideBalancer(balancer) in the setup() of a parent component.',
    )
  })

  it.each(calls)(
    '%s outside setup() throws MissingBalancerError saying where to call it',
    (name, composable) => {
      expect(composable).toThrow(MissingBalancerError)
      expect(composable).toThrow(`${name} must be called inside a component's setup()`)
    },
  )

  it('<LoadBalancerStatus> throws it too', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    expect(() => mount(LoadBalancerStatus)).toThrow(
      /<LoadBalancerStatus> found no balancer: install the plugin/,
    )
  })
})
