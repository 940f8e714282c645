import { afterEach, describe, expect, it } from 'vitest'
import { type ComfySim, startComfySim } from '../server'

/** server.py's uploads on the simulator: names as ComfyUI gives them, and LoadImage's own check. */
const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

async function upload(
  base: string,
  route: string,
  name: string,
  bytes: string,
  fields: Record<string, string> = {},
) {
  const form = new FormData()
  form.set('image', new Blob([bytes]), name)
  for (const [key, value] of Object.entries(fields)) form.set(key, value)
  const response = await fetch(`${base}${route}`, { method: 'POST', body: form })
  return { status: response.status, body: response.status === 200 ? await response.json() : undefined }
}

const loadAndSave = (image: string) => ({
  '1': { class_type: 'LoadImage', inputs: { image } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'up' } },
})

describe('uploads on the simulator', () => {
  it('names uploads as image_upload does: new name for new content, same name for the same, overwrite', async () => {
    const sim = await startComfySim({ timeScale: 0.01 })
    sims.push(sim)
    expect((await upload(sim.url, '/upload/image', 'cat.png', 'one')).body).toEqual({
      name: 'cat.png',
      subfolder: '',
      type: 'input',
    })
    expect((await upload(sim.url, '/upload/image', 'cat.png', 'one')).body!.name).toBe('cat.png')
    expect((await upload(sim.url, '/upload/image', 'cat.png', 'two')).body!.name).toBe('cat (1).png')
    expect(
      (await upload(sim.url, '/api/upload/image', 'cat.png', 'three', { overwrite: 'true' })).body!.name,
    ).toBe('cat.png')
    expect(
      (await upload(sim.url, '/upload/image', 'cat.png', 'x', { subfolder: 'pets', type: 'temp' })).body,
    ).toEqual({
      name: 'cat.png',
      subfolder: 'pets',
      type: 'temp',
    })
    expect((await upload(sim.url, '/upload/image', 'cat.png', 'x', { subfolder: '../up' })).status).toBe(400)
    expect((await fetch(`${sim.url}/view?filename=cat.png&type=input`)).status).toBe(200)
    expect((await fetch(`${sim.url}/view?filename=dog.png&type=input`)).status).toBe(404)
  })

  it("checks LoadImage's file in the input folder before queueing, as its VALIDATE_INPUTS does", async () => {
    const sim = await startComfySim({ timeScale: 0.01 })
    sims.push(sim)
    const post = (image: string) =>
      fetch(`${sim.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: loadAndSave(image) }) })
    const missing = await post('dog.png')
    expect(missing.status).toBe(400)
    const body = await missing.json()
    expect(body.node_errors['1'].errors).toEqual([
      {
        type: 'custom_validation_failed',
        message: 'Custom validation failed for node',
        details: 'image - Invalid image file: dog.png',
        extra_info: { input_name: 'image' },
      },
    ])
    // ComfyUI ships input/example.png; an upload is there at once, annotated paths too.
    expect((await post('example.png')).status).toBe(200)
    await upload(sim.url, '/upload/image', 'dog.png', 'woof', { subfolder: 'pets' })
    expect((await post('pets/dog.png')).status).toBe(200)
    expect((await post('pets/dog.png [input]')).status).toBe(200)
    expect((await post('pets/dog.png [output]')).status).toBe(400)
  })

  it('keeps a mask only where its original is', async () => {
    const sim = await startComfySim({ timeScale: 0.01 })
    sims.push(sim)
    const ref = JSON.stringify({ filename: 'base.png', subfolder: '', type: 'input' })
    expect((await upload(sim.url, '/upload/mask', 'mask.png', 'm', { original_ref: ref })).body!.name).toBe(
      'mask.png',
    )
    expect((await fetch(`${sim.url}/view?filename=mask.png&type=input`)).status).toBe(404)
    await upload(sim.url, '/upload/image', 'base.png', 'b')
    await upload(sim.url, '/upload/mask', 'mask.png', 'm', { original_ref: ref })
    expect((await fetch(`${sim.url}/view?filename=mask.png&type=input`)).status).toBe(200)
    expect((await upload(sim.url, '/upload/mask', 'mask.png', 'm')).status).toBe(400)
  })
})
