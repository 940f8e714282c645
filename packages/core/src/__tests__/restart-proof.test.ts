import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterEach, describe, expect, it } from 'vitest'
import {
  consoleLogger,
  createLoadBalancer,
  type JobError,
  type JobEvent,
  type LoadBalancer,
  silentLogger,
} from '../index.js'
import { createNodeTransport } from '../node.js'
import { until, waitFor } from './sim-waits.js'

/**
 * What the balancer may do with a prompt its server lost, on real simulated servers with real
 * WebSockets: run it again only when its fate is proven (watched until the process died), and
 * never while a first run could still be under way.
 */
let cluster: SimCluster | undefined
let balancer: LoadBalancer | undefined
const transport = createNodeTransport()
afterEach(async () => {
  balancer?.dispose()
  await cluster?.close()
})

async function setup() {
  cluster = await startSimCluster([{ speed: 1 }, { speed: 1 }], { timeScale: 0.05 })
  balancer = createLoadBalancer({
    config: { servers: [...cluster.urls], probe: { queueMode: 'ws' } },
    clock: cluster.clock,
    fetch: transport.fetch,
    webSocket: transport.webSocket,
    logger: process.env.DEBUG_LOG ? consoleLogger('info') : silentLogger,
  })
  const b = balancer
  await b.refresh()
  await until(b, () => cluster!.sims.every((sim) => sim.wsClients === 1))
  const ids = b.getSnapshot().servers.map((s) => s.id)
  return { cluster, balancer: b, first: cluster.sims[0]!, second: cluster.sims[1]!, ids }
}

/**
 * A prompt waiting on the first server behind a long job, followed with its events, once the owner
 * has said "pending" with the socket open (every later message about it then arrives).
 */
async function waitingBehindBusyFirst() {
  const parts = await setup()
  const { balancer, first, ids } = parts
  first.model.submit({ prompt: work(600_000) })
  const submission = await balancer.submit(work(1_000), { server: ids[0]! })
  const events: JobEvent[] = []
  const asked = first.requestCounts.jobs
  const result = balancer.result(submission.promptId, { onEvent: (e) => events.push(e) })
  await waitFor(() => first.requestCounts.jobs > asked)
  return { ...parts, submission, events, result }
}

const work = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

/** Runs of `promptId` on `sim`, as `outcome` strings. */
const runs = (sim: SimCluster['sims'][number], promptId: string) =>
  sim.log.filter((entry) => entry.promptId === promptId)

describe('a prompt its server lost in a restart', () => {
  it('runs again elsewhere when it was running and the process died with the socket that watched it', async () => {
    const { balancer, first, second, ids } = await setup()
    const events: JobEvent[] = []
    const job = balancer.run(work(20_000), { server: ids[0]!, onEvent: (e) => events.push(e) })
    await waitFor(() => events.some((e) => e.type === 'started'))
    const promptId = events[0]!.promptId
    // Down for 10 s: the socket closes and the next connection attempt is refused.
    void first.restart({ downMs: 10_000 })
    const result = await job
    expect(result).toMatchObject({ promptId, serverId: ids[1], attempts: 2 })
    expect(events.find((e) => e.type === 'resubmitted')).toMatchObject({
      reason: expect.stringMatching(/restarted while running it: the run died with the process/),
    })
    const [lost] = runs(first, promptId)
    const [rerun] = runs(second, promptId)
    expect(lost).toMatchObject({ outcome: 'lost' })
    expect(rerun).toMatchObject({ outcome: 'success' })
    // Never two runs at once: the rerun began after the first died.
    expect(rerun!.startedAt).toBeGreaterThanOrEqual(lost!.endedAt!)
  })

  it('with rerunIfLost: false (strict at-most-once), a started job is JOB_LOST instead', async () => {
    const { balancer, first, second, ids } = await setup()
    const events: JobEvent[] = []
    const job = balancer.run(work(20_000), {
      server: ids[0]!,
      rerunIfLost: false,
      onEvent: (e) => events.push(e),
    })
    job.catch(() => undefined)
    await waitFor(() => events.some((e) => e.type === 'started'))
    void first.restart({ downMs: 10_000 })
    const error = (await job.catch((e: unknown) => e)) as JobError
    expect(error.code).toBe('JOB_LOST')
    expect(error.message).toMatch(/restarted without it; not run again \(rerunIfLost: false\)/)
    expect(second.log).toEqual([])
  })

  it('places a prompt that was waiting in the dead server’s queue again, under the same id', async () => {
    const { first, second, ids, submission, events, result } = await waitingBehindBusyFirst()
    void first.restart({ downMs: 10_000 })
    const outcome = await result
    expect(outcome).toMatchObject({ promptId: submission.promptId, serverId: ids[1] })
    expect(events.find((e) => e.type === 'resubmitted')).toMatchObject({
      reason: expect.stringMatching(/lost it before it started/),
    })
    expect(runs(first, submission.promptId)).toEqual([])
    expect(runs(second, submission.promptId)).toMatchObject([{ outcome: 'success' }])
  })

  it('moves a prompt that has not started off a server gone silent after jobs.moveAfterMs, and removes its copy there', async () => {
    const { balancer, first, second, ids, submission, events, result } = await waitingBehindBusyFirst()
    const silentAt = first.clock.now()
    first.setFault({ kind: 'hang' })
    const outcome = await result
    expect(outcome).toMatchObject({ promptId: submission.promptId, serverId: ids[1] })
    const moved = events.find((e) => e.type === 'resubmitted')
    expect(moved).toMatchObject({ reason: expect.stringMatching(/^unreachable/) })
    const [run] = runs(second, submission.promptId)
    // 15 s of silence (moveAfterMs), not the minute a running job is given (lostAfterMs).
    expect(run!.startedAt - silentAt).toBeGreaterThanOrEqual(15_000)
    expect(run!.startedAt - silentAt).toBeLessThan(30_000)
    // Once it answers again (background probes bring it back), its copy is taken off its queue.
    balancer.start()
    first.setFault(undefined)
    await waitFor(() => first.model.queueRemaining === 1)
    expect(runs(first, submission.promptId)).toEqual([])
  })
})
