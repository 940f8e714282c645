import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import type { ServerCatalog } from '../shared/models.js'

/** One server as the page knows it. */
export interface PageServer {
  readonly url: string
  readonly name: string
  readonly weight: number
  /** How many models its GPU keeps loaded (the balancer's `modelSlots`); simulated servers only. */
  readonly modelSlots?: number
  /** Its checkpoints and custom node classes; simulated servers only (the panels read real ones). */
  readonly catalog?: ServerCatalog
  /** Its simulated disk speed in bytes per second. */
  readonly diskBytesPerSecond?: number
}

/** What the page learns from `/demo-config.json`. */
export interface PageConfig {
  readonly servers: readonly PageServer[]
  /** True when the servers are simulated: the page may take them down, hang them, bring them back. */
  readonly simulated: boolean
  readonly submit: boolean
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
}

/** Serves the built page from `root` and its config, on 127.0.0.1 only. */
export async function startPageServer(
  root: string,
  port: number,
  config: PageConfig,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    if (path === '/demo-config.json') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      response.end(JSON.stringify(config))
      return
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path))
    if (!file.startsWith(normalize(root))) {
      response.writeHead(403).end()
      return
    }
    try {
      const body = await readFile(file)
      response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
      response.end(body)
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
