import type { LoadBalancer } from './load-balancer.js'

/**
 * The status panels' "Test" button: probes every server now, makes one real selection through the
 * strategy and releases it at once (a test, not a job: nothing stays in flight), and says what it
 * found in one sentence. Never rejects.
 */
export async function testSelection(balancer: Pick<LoadBalancer, 'refresh' | 'acquire'>): Promise<string> {
  try {
    const snapshot = await balancer.refresh()
    const lease = await balancer.acquire()
    lease.release()
    const healthy = snapshot.servers.filter((s) => s.health === 'healthy').length
    return `Test: ${healthy} of ${snapshot.servers.length} servers healthy; selected ${lease.server.name}.`
  } catch (error) {
    return `Test failed: ${error instanceof Error ? error.message : String(error)}`
  }
}
