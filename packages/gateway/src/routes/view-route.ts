import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.js'

/** Response headers worth passing on from the server that holds the file. */
const PASSED = [
  'content-type',
  'content-length',
  'content-disposition',
  'cache-control',
  'last-modified',
  'etag',
]

/**
 * `GET /view`: the file from the server that wrote it — the gateway learnt each output's server
 * from the `executed` messages and the results — with that server's credentials, which never reach
 * the client. A file of another caller's prompt, or one no prompt of the caller wrote, is a 404.
 */
export function viewRoute(app: FastifyInstance, context: GatewayContext): void {
  app.get('/view', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>
    const filename = query.filename ?? ''
    if (filename === '' || filename.startsWith('/') || filename.includes('..')) return reply.code(400).send()
    const file = { filename, subfolder: query.subfolder ?? '', type: query.type ?? 'output' }
    const serverId = context.jobs.fileServer(request.owner, file)
    if (serverId === undefined) return reply.code(404).send()
    const target = context.balancer.requestTarget(serverId)
    const search = new URLSearchParams(
      Object.entries(query).filter(([name]) => name !== 'token') as [string, string][],
    )
    const abort = new AbortController()
    request.raw.once('close', () => abort.abort())
    let answer: Response
    try {
      answer = await fetch(`${target.base}/view?${search}`, { headers: target.headers, signal: abort.signal })
    } catch {
      return reply.code(502).send({ error: `server ${serverId} did not answer for this file` })
    }
    reply.code(answer.status)
    for (const name of PASSED) {
      const value = answer.headers.get(name)
      if (value !== null) reply.header(name, value)
    }
    if (answer.body === null) return reply.send()
    return reply.send(Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream))
  })
}
