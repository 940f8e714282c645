import { encodePreviewFrame, parseBinaryFrame, previewImage } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { comfyCalls, type Loose, listen, workThenSave } from './client-calls.js'
import { useGateway } from './gateway-harness.js'

const startGateway = useGateway()

/** A text frame (parsed) or a binary frame (a copy of its bytes), in arrival order. */
type Frame = { type: string; data: Record<string, Loose> } | { bytes: Uint8Array }

/**
 * `listen()` of client-calls.ts, keeping binary frames' bytes in order with the JSON messages; it
 * can send the first text frame (feature flags) before anything else.
 */
async function watch(base: string, clientId: string, first?: unknown) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?clientId=${clientId}`)
  const frames: Frame[] = []
  const waiters: Array<() => void> = []
  ws.on('message', (data: Buffer, isBinary) => {
    frames.push(isBinary ? { bytes: Uint8Array.from(data) } : JSON.parse(String(data)))
    for (const wake of waiters.splice(0)) wake()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  if (first !== undefined) ws.send(JSON.stringify(first))
  return {
    frames,
    /** Resolves once a frame matching `test` has arrived. */
    async until(test: (frame: Frame) => boolean) {
      while (!frames.some(test)) await new Promise<void>((resolve) => waiters.push(resolve))
    },
    close: () => ws.close(),
  }
}

const isDone = (promptId: string) => (frame: Frame) =>
  'type' in frame &&
  frame.type === 'executing' &&
  frame.data.node === null &&
  frame.data.prompt_id === promptId

/** Text frames as their type (progress as value/max), binary frames as `binary <event type>`. */
const labels = (frames: readonly Frame[]) =>
  frames.map((frame) => {
    if ('bytes' in frame) return `binary ${parseBinaryFrame(frame.bytes).type}`
    if (frame.type === 'progress') return `progress ${frame.data.value}/${frame.data.max}`
    return frame.type
  })

describe('binary previews through the gateway', () => {
  it('relays each preview byte for byte to the client whose prompt runs, between its progress messages', async () => {
    const previews = { steps: 3 }
    const { url } = await startGateway([{ previews }, { previews }])
    const viewer = await watch(url, 'viewer')
    const other = await listen(url, 'other')
    try {
      const accepted = await comfyCalls(url).post('/prompt', {
        prompt: workThenSave(600),
        client_id: 'viewer',
      })
      expect(accepted.status).toBe(200)
      const promptId = accepted.body!.prompt_id as string
      await viewer.until(isDone(promptId))
      const job = labels(viewer.frames).filter(
        (label) => label.startsWith('progress') || label.startsWith('binary'),
      )
      expect(job).toEqual([
        'progress 1/3',
        'binary 1',
        'progress 2/3',
        'binary 1',
        'progress 3/3',
        'binary 1',
      ])
      // As the server wrote it for the gateway's own socket, which negotiates no metadata: type 1.
      const sent = encodePreviewFrame('JPEG', previewImage('JPEG'))
      for (const frame of viewer.frames) if ('bytes' in frame) expect(frame.bytes).toEqual(sent)
      expect(other.binary).toBe(0)
    } finally {
      viewer.close()
      other.close()
    }
  })

  it('relays type 1 to a client that asked the gateway for metadata, which the gateway says it lacks', async () => {
    const { url } = await startGateway([{ previews: { steps: 2 } }])
    const viewer = await watch(url, 'viewer', {
      type: 'feature_flags',
      data: { supports_preview_metadata: true },
    })
    try {
      await viewer.until((frame) => 'type' in frame && frame.type === 'feature_flags')
      const flags = viewer.frames.find((frame) => 'type' in frame && frame.type === 'feature_flags')
      expect(flags).toMatchObject({ data: { supports_preview_metadata: false } })
      const accepted = await comfyCalls(url).post('/prompt', {
        prompt: workThenSave(400),
        client_id: 'viewer',
      })
      const promptId = accepted.body!.prompt_id as string
      await viewer.until(isDone(promptId))
      const binaries = viewer.frames.flatMap((frame) => ('bytes' in frame ? [frame.bytes] : []))
      expect(binaries.map((bytes) => parseBinaryFrame(bytes))).toEqual([
        { kind: 'preview', type: 1, format: 1, image: previewImage('JPEG') },
        { kind: 'preview', type: 1, format: 1, image: previewImage('JPEG') },
      ])
    } finally {
      viewer.close()
    }
  })

  it('passes the prompt’s extra_data.preview_method on to the server, which previews on request', async () => {
    // Stock ComfyUI: --preview-method none, previews only for prompts that ask (0.5.0+).
    const { url } = await startGateway([{ previews: { steps: 2, method: 'none' } }])
    const viewer = await listen(url, 'viewer')
    try {
      const calls = comfyCalls(url)
      const plain = await calls.post('/prompt', { prompt: workThenSave(400), client_id: 'viewer' })
      await viewer.until(
        (m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === plain.body!.prompt_id,
      )
      expect(viewer.binary).toBe(0)
      const asking = await calls.post('/prompt', {
        prompt: workThenSave(400),
        client_id: 'viewer',
        extra_data: { preview_method: 'auto' },
      })
      await viewer.until(
        (m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === asking.body!.prompt_id,
      )
      expect(viewer.binary).toBe(2)
    } finally {
      viewer.close()
    }
  })
})
