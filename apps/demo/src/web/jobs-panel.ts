import type { Binding, JobEvent, LoadBalancer } from 'comfy-balancer'
import { WORKLOADS, type Workload, workloadJob } from './workflows.js'

/**
 * The "submit N jobs" form and the per-job table: each job's workflow (its checkpoint), which server
 * took it, why it waits (late binding), its progress and latency.
 */
export function startJobsPanel(
  form: HTMLFormElement,
  body: HTMLTableSectionElement,
  summary: HTMLElement,
  balancer: LoadBalancer,
  binding: Binding,
): void {
  const workloads = form.elements.namedItem('workload') as HTMLSelectElement
  for (const [value, label] of Object.entries(WORKLOADS)) workloads.add(new Option(label, value))
  let next = 1
  const latencies: number[] = []
  const names = () => new Map(balancer.getSnapshot().servers.map((server) => [server.id, server.name]))
  const report = () => {
    if (latencies.length === 0) return
    const sorted = [...latencies].sort((a, b) => a - b)
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length
    const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!
    summary.textContent = `${latencies.length} done · mean ${Math.round(mean)} ms · p95 ${Math.round(p95)} ms`
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    const count = Math.max(1, Math.min(500, Number(data.get('jobs')) || 1))
    const work = Math.max(50, Number(data.get('work')) || 1_500)
    const chosen = String(data.get('workload'))
    const workload: Workload = chosen in WORKLOADS ? (chosen as Workload) : 'mix'
    for (let i = 0; i < count; i++) {
      const row = body.insertRow(0)
      row.dataset.job = String(next)
      const [id, server, workflow, status, progress, latency] = Array.from({ length: 6 }, () =>
        row.insertCell(),
      )
      const { label, prompt } = workloadJob(workload, next - 1, work)
      id!.textContent = String(next++)
      workflow!.textContent = label
      row.dataset.workflow = label
      status!.textContent = binding === 'late' ? 'waiting' : 'placing'
      const bar = document.createElement('progress')
      bar.max = 1
      bar.value = 0
      progress!.append(bar)
      const started = performance.now()
      const onEvent = (e: JobEvent) => {
        if (e.type === 'queued') {
          server!.textContent = names().get(e.serverId) ?? e.serverId
          status!.textContent = 'queued'
        } else if (e.type === 'started') status!.textContent = 'running'
        else if (e.type === 'progress') bar.value = e.value / e.max
        else if (e.type === 'resubmitted') status!.textContent = `moved off ${names().get(e.from) ?? e.from}`
        // Late binding holds it: every healthy server lacks something it needs (a capable one is down).
        else if (e.type === 'waiting') status!.textContent = e.reason
      }
      const job = balancer.run(prompt, { onEvent, binding })
      job.then(
        (result) => {
          server!.textContent = names().get(result.serverId) ?? result.serverId
          status!.textContent = 'done'
          row.dataset.status = 'done'
          row.dataset.promptId = result.promptId
          bar.value = 1
          const ms = performance.now() - started
          latency!.textContent = String(Math.round(ms))
          latencies.push(ms)
          report()
        },
        (error: Error & { code?: string }) => {
          status!.textContent = `failed: ${error.code ?? error.name}`
          row.dataset.status = 'failed'
        },
      )
    }
  })
}
