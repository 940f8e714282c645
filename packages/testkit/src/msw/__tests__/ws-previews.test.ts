import { WebSocket as UndiciWebSocket } from 'undici'
import { expect, it } from 'vitest'
import { ID_A, simWork } from '../../__tests__/fixtures'
import { parseBinaryFrame, previewImage } from '../../model/preview-frames'
import { useMswCluster } from '../use-msw-cluster'
import { postJson } from './post-json'

// As in ws-handlers.test.ts: msw intercepts the global WebSocket, which Node 20 lacks.
globalThis.WebSocket ??= UndiciWebSocket as unknown as typeof WebSocket

const A = 'http://gpu-a.test:8188'
const msw = useMswCluster([{ url: A, previews: { steps: 2 } }])

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

it('sends a model’s binary previews through msw too, in order with the text frames', async () => {
  const socket = new WebSocket('ws://gpu-a.test:8188/ws?clientId=lb')
  socket.binaryType = 'arraybuffer'
  const frames: string[] = []
  const images: Uint8Array[] = []
  socket.addEventListener('message', (event) => {
    if (typeof event.data === 'string') {
      const { type, data } = JSON.parse(event.data)
      frames.push(type === 'progress' ? `progress ${data.value}/${data.max}` : type)
      return
    }
    const frame = parseBinaryFrame(new Uint8Array(event.data as ArrayBuffer))
    frames.push(`binary ${frame.type}`)
    if (frame.kind === 'preview') images.push(frame.image)
  })
  await new Promise((resolve) => socket.addEventListener('open', resolve))
  await postJson(`${A}/prompt`, { prompt: simWork(200), prompt_id: ID_A, client_id: 'lb' })
  await msw.clock.advance(200)
  await settle()
  const from = frames.indexOf('executing')
  expect(frames.slice(from, from + 5)).toEqual([
    'executing',
    'progress 1/2',
    'binary 1',
    'progress 2/2',
    'binary 1',
  ])
  expect(images).toEqual([previewImage('JPEG'), previewImage('JPEG')])
  socket.close()
})
