import { describe, expect, it, vi } from 'vitest'
import { simWorkPrompt } from '../../prompts'
import {
  BINDING_TEST_URLS,
  type BindingBalancerInput,
  createBindingHarness,
  serverIdOf,
} from '../binding-harness'

const unmounted: string[] = []
const renders = vi.fn(async (work: () => Promise<void>) => work())
const { installMsw, harness } = createBindingHarness({
  createBalancer: (input: BindingBalancerInput<string>) => ({
    input,
    getSnapshot: () => ({ running: false }),
  }),
  renderAfter: renders,
  autoUnmount: (afterEach) => afterEach(() => unmounted.push('unmounted')),
})

describe('createBindingHarness without installMsw()', () => {
  it('says what to call first', () => {
    const unwired = createBindingHarness({
      createBalancer: () => ({ getSnapshot: () => ({ running: false }) }),
      renderAfter: (work) => work(),
      autoUnmount: () => undefined,
    })
    expect(() => unwired.harness()).toThrow('call installMsw() at the top of the test file first')
  })
})

describe('createBindingHarness', () => {
  installMsw()

  it('gives the balancer the first two servers, quick probes, the clock and a recording logger', () => {
    const h = harness()
    const { config, clock, logger, strategy } = h.balancer.input
    expect(config).toEqual({
      servers: BINDING_TEST_URLS.slice(0, 2),
      probe: { jitter: 0, unhealthyAfter: 1, healthyAfter: 1 },
    })
    expect(clock).toBe(h.clock)
    expect(logger.isLevelEnabled?.('debug')).toBe(true)
    expect(strategy).toBeUndefined()
    expect([...h.cluster.models.keys()]).toEqual(BINDING_TEST_URLS.slice(0, 2))
  })

  it('serves clusterUrls when they differ from the servers, and passes the strategy on', () => {
    const [, , C] = BINDING_TEST_URLS
    const h = harness({ servers: [`http://user:pw@${serverIdOf(C)}`], clusterUrls: [C], strategy: 'mine' })
    expect(h.balancer.input.config.servers).toEqual(['http://user:pw@gpu-c.test:8188'])
    expect(h.balancer.input.strategy).toBe('mine')
    expect([...h.cluster.models.keys()]).toEqual([C])
  })

  it('renders after moving the clock, and after a settle', async () => {
    const h = harness()
    const start = h.clock.now()
    renders.mockClear()
    await h.advance(1_000)
    await h.settle()
    expect(h.clock.now()).toBe(start + 1_000)
    expect(renders).toHaveBeenCalledTimes(2)
  })

  it('advances until done, or for at most maxMs', async () => {
    const h = harness()
    const start = h.clock.now()
    await h.advanceUntil(() => h.clock.now() - start >= 750)
    expect(h.clock.now() - start).toBe(750)
    await h.advanceUntil(() => false, { stepMs: 100, maxMs: 300 })
    expect(h.clock.now() - start).toBe(1_050)
  })

  it('runs a SimWork prompt, or fails it', async () => {
    const h = harness()
    const model = h.cluster.model(BINDING_TEST_URLS[0])
    model.submit({ prompt: simWorkPrompt(100) })
    model.submit({ prompt: simWorkPrompt(100, { fail: true }) })
    await h.advance(200)
    expect(model.log.map((entry) => entry.outcome)).toEqual(['success', 'error'])
  })

  it('unmounts after each test (the one before this ran)', () => {
    expect(unmounted.length).toBeGreaterThan(0)
  })
})

describe('serverIdOf', () => {
  it('is host, port and path, as core derives a server id', () => {
    expect(serverIdOf('http://gpu-a.test:8188')).toBe('gpu-a.test:8188')
    expect(serverIdOf('https://user:pw@host.test/comfy/')).toBe('host.test/comfy')
  })
})
