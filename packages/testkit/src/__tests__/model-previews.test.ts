import { crc32, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import { createComfyModel } from '../model/comfy-model'
import {
  encodePreviewFrame,
  encodePreviewWithMetadataFrame,
  parseBinaryFrame,
  previewImage,
} from '../model/preview-frames'
import { PREVIEW_IMAGE_EVENT, PREVIEW_WITH_METADATA_EVENT, type PreviewOptions } from '../model/previews'
import type { ModelEvent } from '../model/types'
import { ID_A, simWork } from './fixtures'

function previewing(previews: PreviewOptions | false) {
  const clock = createTestClock(0)
  const model = createComfyModel({ clock, previews })
  const events: Array<ModelEvent & { at: number }> = []
  model.onEvent((event) => events.push({ ...event, at: clock.now() }))
  return { clock, model, events }
}

describe('the model with previews', () => {
  it('steps each SimWork node evenly over its work, both preview paths around each progress', async () => {
    const { clock, model, events } = previewing({ steps: 2 })
    model.submit({ prompt: simWork(300), prompt_id: ID_A, client_id: 'lb' })
    await clock.advance(300)
    const stepped = events.filter((event) => event.type.startsWith('preview') || event.type === 'progress')
    expect(stepped.map(({ type, at, clientId }) => ({ type, at, clientId }))).toEqual([
      { type: PREVIEW_WITH_METADATA_EVENT, at: 150, clientId: 'lb' },
      { type: 'progress', at: 150, clientId: 'lb' },
      { type: PREVIEW_IMAGE_EVENT, at: 150, clientId: 'lb' },
      { type: PREVIEW_WITH_METADATA_EVENT, at: 300, clientId: 'lb' },
      { type: 'progress', at: 300, clientId: 'lb' },
      { type: PREVIEW_IMAGE_EVENT, at: 300, clientId: 'lb' },
    ])
    expect(stepped[0]!.data).toEqual({
      format: 'JPEG',
      image: previewImage('JPEG'),
      metadata: {
        node_id: '1',
        prompt_id: ID_A,
        display_node_id: '1',
        parent_node_id: null,
        real_node_id: '1',
      },
    })
    // Previews are not execution messages: history keeps none of them.
    const messages = model.history(ID_A)[ID_A]!.status.messages.map(([type]) => type)
    expect(messages).toEqual(['execution_start', 'execution_cached', 'execution_success'])
  })

  it('emits only the legacy path, as a broadcast, for a job without a client id', async () => {
    const { clock, model, events } = previewing({ steps: 1 })
    model.submit({ prompt: simWork(100) })
    await clock.advance(100)
    const previews = events.filter((event) => event.type.startsWith('preview'))
    expect(previews.map(({ type, clientId }) => ({ type, clientId }))).toEqual([
      { type: PREVIEW_IMAGE_EVENT },
    ])
  })

  it('keeps one progress 1/1 and no preview without the option', async () => {
    const { clock, model, events } = previewing(false)
    model.submit({ prompt: simWork(100), client_id: 'lb', extra_data: { preview_method: 'taesd' } })
    await clock.advance(100)
    expect(events.filter((event) => event.type !== 'status').map((event) => event.type)).toEqual([
      'execution_start',
      'execution_cached',
      'executing',
      'progress',
      'executed',
      'execution_success',
      'executing',
    ])
  })

  it('refuses options it cannot honour', () => {
    const clock = createTestClock(0)
    expect(() => createComfyModel({ clock, previews: { steps: 0 } })).toThrow(RangeError)
    expect(() => createComfyModel({ clock, previews: { everySteps: 1.5 } })).toThrow(RangeError)
    expect(() => createComfyModel({ clock, previews: { format: 'GIF' as 'PNG' } })).toThrow(RangeError)
    expect(() => createComfyModel({ clock, previews: { method: 'fast' as 'auto' } })).toThrow(RangeError)
  })
})

describe('preview frames', () => {
  it('encodes and parses both layouts', () => {
    const metadata = {
      node_id: '3',
      prompt_id: ID_A,
      display_node_id: '3',
      parent_node_id: null,
      real_node_id: '3',
    }
    const image = previewImage('JPEG')
    expect(parseBinaryFrame(encodePreviewFrame('JPEG', image))).toEqual({
      kind: 'preview',
      type: 1,
      format: 1,
      image,
    })
    expect(parseBinaryFrame(encodePreviewWithMetadataFrame('JPEG', image, metadata))).toEqual({
      kind: 'preview-with-metadata',
      type: 4,
      metadata: { ...metadata, image_type: 'image/jpeg' },
      image,
    })
    expect(parseBinaryFrame(new Uint8Array([0, 0, 0, 3, 9]))).toEqual({
      kind: 'other',
      type: 3,
      payload: new Uint8Array([9]),
    })
    expect(() => parseBinaryFrame(new Uint8Array([0, 0, 1]))).toThrow(RangeError)
  })

  it('previews real images: a PNG whose chunks check out, a baseline JPEG of 8×8', () => {
    const png = Buffer.from(previewImage('PNG'))
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const chunks: Array<{ type: string; body: Buffer }> = []
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at)
      const typeAndBody = png.subarray(at + 4, at + 8 + length)
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndBody))
      chunks.push({ type: typeAndBody.subarray(0, 4).toString('latin1'), body: typeAndBody.subarray(4) })
      at += 12 + length
    }
    expect(chunks.map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    const ihdr = chunks[0]!.body
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([8, 8, 8, 2])
    expect(inflateSync(chunks[1]!.body)).toHaveLength(8 * (1 + 8 * 3))

    const jpeg = Buffer.from(previewImage('JPEG'))
    expect([...jpeg.subarray(0, 2), ...jpeg.subarray(-2)]).toEqual([0xff, 0xd8, 0xff, 0xd9])
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]))
    expect(sof).toBeGreaterThan(0)
    expect([jpeg.readUInt16BE(sof + 5), jpeg.readUInt16BE(sof + 7)]).toEqual([8, 8])
  })

  it('hands out copies, so a consumer cannot change the next preview', () => {
    previewImage('PNG')[0] = 0
    expect(previewImage('PNG')[0]).toBe(0x89)
  })
})
