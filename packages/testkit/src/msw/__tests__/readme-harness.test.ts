// The README's useMswCluster example, imported through the package's public entry.
import { useMswCluster } from '@comfy-balancer/testkit/msw'
import { expect, it } from 'vitest'

const msw = useMswCluster([{ url: 'http://gpu-a.test:8188' }])

it('counts the probe', async () => {
  await fetch('http://gpu-a.test:8188/prompt')
  expect(msw.cluster.model('http://gpu-a.test:8188').requestCounts.prompt).toBe(1)
  await msw.clock.advance(1_000) // the cluster's own test clock
})
