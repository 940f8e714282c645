import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/** `/`: a small page with each server's health, queue and models (URLs as the balancer redacts them). */
export function statusPage(app: FastifyInstance, context: GatewayContext): void {
  app.get('/', async (request, reply) => {
    const rows = context.balancer
      .getServerStats()
      .map(
        (s) =>
          `<tr><td>${escapeHtml(s.id)}</td><td>${escapeHtml(s.url)}</td><td>${escapeHtml(s.health)}</td><td>${s.queue ?? '?'}</td><td>${escapeHtml((s.heldModels ?? []).join(', '))}</td></tr>`,
      )
      .join('')
    const mine = context.jobs.remaining(request.owner)
    const html = `<!doctype html><meta charset="utf-8"><title>comfy-balancer gateway</title>
<h1>comfy-balancer gateway</h1><p>A ComfyUI API in front of ${context.balancer.getServerStats().length} servers. Your prompts waiting or running: ${mine}.</p>
<table><thead><tr><th>Server</th><th>URL</th><th>Health</th><th>Queue</th><th>Loaded</th></tr></thead><tbody>${rows}</tbody></table>`
    return reply.type('text/html; charset=utf-8').send(html)
  })
}
