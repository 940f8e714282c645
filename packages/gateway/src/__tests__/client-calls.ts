import WebSocket from 'ws'

/** ComfyUI JSON as a test reads it: deep property access without a cast at every step. */
// biome-ignore lint/suspicious/noExplicitAny: tests read nested ComfyUI answers freely
export type Loose = any

/** `ms` of simulated work, then SaveImage: the smallest prompt with a file output. */
export const workThenSave = (ms: number) => ({
  '1': { class_type: 'SimWork', inputs: { ms } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'gw' } },
})

/** Plain HTTP calls a ComfyUI client makes, with an optional bearer token. */
export function comfyCalls(base: string, token?: string) {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` }
  const json = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { ...headers, ...(init.headers as Record<string, string>) },
    })
    const text = await response.text()
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as Record<string, Loose>),
    }
  }
  const post = (path: string, body: unknown) =>
    json(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    })
  return { headers, json, post, get: (path: string) => json(path) }
}

/** A `/ws` client that records every JSON message and counts binary frames. */
export async function listen(base: string, clientId: string, token?: string) {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` }
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?clientId=${clientId}`, { headers })
  const messages: Array<{ type: string; data: Record<string, Loose> }> = []
  let binary = 0
  const waiters: Array<() => void> = []
  ws.on('message', (data, isBinary) => {
    if (isBinary) binary += 1
    else messages.push(JSON.parse(String(data)))
    for (const wake of waiters.splice(0)) wake()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return {
    messages,
    get binary() {
      return binary
    },
    /** Resolves once a message matching `test` has arrived. */
    async until(test: (message: { type: string; data: Record<string, Loose> }) => boolean) {
      while (!messages.some(test)) await new Promise<void>((resolve) => waiters.push(resolve))
    },
    close: () => ws.close(),
  }
}
