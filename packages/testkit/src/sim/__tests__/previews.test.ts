import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ID_A, simWork } from '../../__tests__/fixtures'
import { createTestClock, type TestClock } from '../../clock'
import { parseBinaryFrame, previewImage } from '../../model/preview-frames'
import { type ComfySim, type ComfySimOptions, startComfySim } from '../server'
import { postJson } from './helpers'

/** A text frame (parsed) or a binary frame (its bytes), in arrival order. */
type Frame = { type: string; data: Record<string, unknown> } | { bytes: Uint8Array }

const open: Array<{ close(): Promise<void> | void }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()))
})

async function start(options: ComfySimOptions & { clock: TestClock }): Promise<ComfySim> {
  const sim = await startComfySim(options)
  open.push(sim)
  return sim
}

/** A `ws` client that keeps every frame, text and binary, in the order it came. */
async function connect(sim: ComfySim, clientId: string) {
  const ws = new WebSocket(`${sim.wsUrl}?clientId=${clientId}`)
  const frames: Frame[] = []
  const wakers = new Set<() => void>()
  ws.on('message', (data: Buffer, isBinary) => {
    frames.push(isBinary ? { bytes: new Uint8Array(data) } : JSON.parse(String(data)))
    for (const wake of [...wakers]) wake()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const client = {
    frames,
    /** Resolves once a frame matching `test` has arrived. */
    async until(test: (frame: Frame) => boolean): Promise<void> {
      while (!frames.some(test)) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            wakers.delete(wake)
            resolve()
          }
          wakers.add(wake)
        })
      }
    },
    send: (value: unknown) => ws.send(JSON.stringify(value)),
    close: () => ws.close(),
  }
  open.unshift(client)
  await client.until((frame) => 'type' in frame && frame.type === 'status')
  return client
}

const isStatus = (remaining: number) => (frame: Frame) =>
  'type' in frame &&
  frame.type === 'status' &&
  (frame.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === remaining

const isDone = (frame: Frame) => 'type' in frame && frame.type === 'executing' && frame.data.node === null

/** Each frame in short: a text frame's type (progress with value/max), a binary frame's event type. */
function labels(frames: readonly Frame[]): string[] {
  return frames.map((frame) => {
    if ('bytes' in frame) return `binary ${parseBinaryFrame(frame.bytes).type}`
    if (frame.type === 'progress') return `progress ${frame.data.value}/${frame.data.max}`
    return frame.type
  })
}

/** {@link labels} from the job's first `executing` on. */
function outline(frames: readonly Frame[]): string[] {
  return labels(frames.slice(frames.findIndex((frame) => 'type' in frame && frame.type === 'executing')))
}

const binaries = (frames: readonly Frame[]) =>
  frames.flatMap((frame) => ('bytes' in frame ? [frame.bytes] : []))

/** Submits `simWork(ms)` and runs the clock until the job is done on `client`. */
async function runJob(
  sim: ComfySim,
  clock: TestClock,
  client: Awaited<ReturnType<typeof connect>>,
  body: Record<string, unknown>,
): Promise<void> {
  const accepted = await postJson(`${sim.url}/prompt`, { prompt: simWork(300), prompt_id: ID_A, ...body })
  expect(accepted.status).toBe(200)
  await client.until((frame) => 'type' in frame && frame.type === 'executing')
  await clock.advance(300)
  await client.until(isDone)
}

describe('live previews (binary frames)', () => {
  it('sends type 1 after each step’s progress to a client that did not negotiate metadata', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock, previews: { steps: 3 } })
    const lb = await connect(sim, 'lb')
    await runJob(sim, clock, lb, { client_id: 'lb' })
    expect(outline(lb.frames)).toEqual([
      'executing',
      'progress 1/3',
      'binary 1',
      'progress 2/3',
      'binary 1',
      'progress 3/3',
      'binary 1',
      'executed',
      'execution_success',
      'status',
      'executing',
    ])
    const jpeg = previewImage('JPEG')
    for (const bytes of binaries(lb.frames)) {
      // server.py's send_image: type 1, then format 1 (JPEG), then the image, all big-endian.
      expect([...bytes.subarray(0, 8)]).toEqual([0, 0, 0, 1, 0, 0, 0, 1])
      expect(bytes.subarray(8)).toEqual(jpeg)
    }
    expect([...jpeg.subarray(0, 2), ...jpeg.subarray(-2)]).toEqual([0xff, 0xd8, 0xff, 0xd9])
  })

  it('sends type 4 with progress.py’s metadata, before each progress, once the client negotiated it', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock, previews: { steps: 2, format: 'PNG' } })
    const lb = await connect(sim, 'lb')
    const witness = await connect(sim, 'witness')
    lb.send({ type: 'feature_flags', data: { supports_preview_metadata: true } })
    await lb.until((frame) => 'type' in frame && frame.type === 'feature_flags')
    await runJob(sim, clock, lb, { client_id: 'lb' })
    expect(outline(lb.frames)).toEqual([
      'executing',
      'binary 4',
      'progress 1/2',
      'binary 4',
      'progress 2/2',
      'executed',
      'execution_success',
      'status',
      'executing',
    ])
    const json = `{"node_id": "1", "prompt_id": "${ID_A}", "display_node_id": "1", "parent_node_id": null, "real_node_id": "1", "image_type": "image/png"}`
    for (const bytes of binaries(lb.frames)) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      expect([view.getUint32(0), view.getUint32(4)]).toEqual([4, json.length])
      expect(new TextDecoder().decode(bytes.subarray(8, 8 + json.length))).toBe(json)
      expect(bytes.subarray(8 + json.length)).toEqual(previewImage('PNG'))
      expect(parseBinaryFrame(bytes)).toMatchObject({ kind: 'preview-with-metadata', type: 4 })
    }
    // Previews of a job with a client id go to that client only.
    expect(binaries(witness.frames)).toEqual([])
  })

  it('keeps to type 1 unless the flag is exactly true, as feature_flags.supports_feature does', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock, previews: { steps: 1, format: 'PNG' } })
    const lb = await connect(sim, 'lb')
    lb.send({ type: 'feature_flags', data: { supports_preview_metadata: 'true' } })
    await lb.until((frame) => 'type' in frame && frame.type === 'feature_flags')
    await runJob(sim, clock, lb, { client_id: 'lb' })
    const [frame, ...more] = binaries(lb.frames)
    expect(more).toEqual([])
    expect(parseBinaryFrame(frame!)).toEqual({
      kind: 'preview',
      type: 1,
      format: 2,
      image: previewImage('PNG'),
    })
  })

  it('broadcasts type 1 to every socket for a job without a client id, metadata or not', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock, previews: { steps: 2 } })
    const plain = await connect(sim, 'plain')
    const negotiated = await connect(sim, 'negotiated')
    negotiated.send({ type: 'feature_flags', data: { supports_preview_metadata: true } })
    await negotiated.until((frame) => 'type' in frame && frame.type === 'feature_flags')
    await postJson(`${sim.url}/prompt`, { prompt: simWork(300), prompt_id: ID_A })
    await clock.advance(300)
    for (const client of [plain, negotiated]) {
      // The job is over once the queue is empty again (no executing null without a client id).
      await client.until(() => binaries(client.frames).length === 2 && isStatus(0)(client.frames.at(-1)!))
      // progress is broadcast too without a client id; nothing else of the job is.
      const afterGreeting = labels(client.frames.slice(1)).filter((label) => label !== 'feature_flags')
      expect(afterGreeting).toEqual([
        'status',
        'status',
        'progress 1/2',
        'binary 1',
        'progress 2/2',
        'binary 1',
        'status',
      ])
    }
  })

  it('previews every everySteps-th step only, and spreads the steps over the node’s work', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock, previews: { steps: 4, everySteps: 2 } })
    const lb = await connect(sim, 'lb')
    await postJson(`${sim.url}/prompt`, { prompt: simWork(400), prompt_id: ID_A, client_id: 'lb' })
    await lb.until((frame) => 'type' in frame && frame.type === 'executing')
    await clock.advance(199)
    await clock.advance(1)
    await lb.until((frame) => 'bytes' in frame)
    expect(outline(lb.frames)).toEqual(['executing', 'progress 1/4', 'progress 2/4', 'binary 1'])
    await clock.advance(200)
    await lb.until(isDone)
    expect(outline(lb.frames).slice(4, 7)).toEqual(['progress 3/4', 'progress 4/4', 'binary 1'])
  })

  it('sends none when the option is off, whatever the prompt asks', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock })
    const lb = await connect(sim, 'lb')
    await runJob(sim, clock, lb, { client_id: 'lb', extra_data: { preview_method: 'auto' } })
    expect(binaries(lb.frames)).toEqual([])
    expect(outline(lb.frames).filter((line) => line.startsWith('progress'))).toEqual(['progress 1/1'])
  })

  it('follows the prompt’s extra_data.preview_method over the server’s method (0.5.0+)', async () => {
    const clock = createTestClock(0)
    const sim = await start({ clock, previews: { steps: 2, method: 'none' } })
    const lb = await connect(sim, 'lb')
    await runJob(sim, clock, lb, { client_id: 'lb' })
    // The steps stay; only the previews go with the method.
    expect(outline(lb.frames).slice(0, 3)).toEqual(['executing', 'progress 1/2', 'progress 2/2'])
    expect(binaries(lb.frames)).toEqual([])
    lb.frames.length = 0
    await runJob(sim, clock, lb, {
      client_id: 'lb',
      prompt_id: undefined,
      extra_data: { preview_method: 'latent2rgb' },
    })
    expect(binaries(lb.frames)).toHaveLength(2)
  })

  it('ignores extra_data.preview_method before 0.5.0, and turns previews off with "none" after', async () => {
    const clock = createTestClock(0)
    const old = await start({ clock, version: '0.4.0', previews: { method: 'none' } })
    const oldClient = await connect(old, 'lb')
    await runJob(old, clock, oldClient, { client_id: 'lb', extra_data: { preview_method: 'auto' } })
    expect(binaries(oldClient.frames)).toEqual([])
    const sim = await start({ clock, previews: {} })
    const lb = await connect(sim, 'lb')
    await runJob(sim, clock, lb, { client_id: 'lb', extra_data: { preview_method: 'none' } })
    expect(binaries(lb.frames)).toEqual([])
    lb.frames.length = 0
    await runJob(sim, clock, lb, {
      client_id: 'lb',
      prompt_id: undefined,
      extra_data: { preview_method: 'default' },
    })
    expect(binaries(lb.frames)).toHaveLength(4)
  })
})
