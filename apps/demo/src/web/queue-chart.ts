import type { LoadBalancer } from 'comfy-balancer'

const COLORS = ['#3461d1', '#d1346a', '#2e9e6b', '#c98a12', '#7a42c9', '#1b9aaa']
const WINDOW_MS = 60_000
const SAMPLE_MS = 250

/** A live SVG chart of each server's queue (running + pending + in flight) over the last minute. */
export function startQueueChart(svg: SVGSVGElement, legend: HTMLElement, balancer: LoadBalancer): () => void {
  const samples: Array<{ at: number; queues: number[] }> = []
  const servers = balancer.getSnapshot().servers
  legend.innerHTML = servers
    .map(
      (server, i) => `<li><span style="background:${COLORS[i % COLORS.length]}"></span>${server.name}</li>`,
    )
    .join('')
  const timer = setInterval(() => {
    const now = Date.now()
    const queues = balancer.getSnapshot().servers.map((server) => {
      const queue =
        server.queue === 'unknown' || !server.queue.known ? 0 : server.queue.running + server.queue.pending
      return queue + server.inFlight
    })
    samples.push({ at: now, queues })
    while (samples.length > 0 && samples[0]!.at < now - WINDOW_MS) samples.shift()
    draw(svg, samples, now, servers.length)
  }, SAMPLE_MS)
  return () => clearInterval(timer)
}

function draw(
  svg: SVGSVGElement,
  samples: Array<{ at: number; queues: number[] }>,
  now: number,
  count: number,
): void {
  const width = 600
  const height = 160
  const max = Math.max(4, ...samples.flatMap((s) => s.queues))
  const x = (at: number) => ((at - (now - WINDOW_MS)) / WINDOW_MS) * width
  const y = (q: number) => height - 10 - (q / max) * (height - 20)
  const lines = Array.from({ length: count }, (_, i) => {
    const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(s.queues[i] ?? 0).toFixed(1)}`).join(' ')
    return `<polyline fill="none" stroke-width="2" stroke="${COLORS[i % COLORS.length]}" points="${points}" />`
  })
  svg.innerHTML = `<text x="4" y="12" font-size="10" fill="#4a5368">${max}</text>${lines.join('')}`
}
