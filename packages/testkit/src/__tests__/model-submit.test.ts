import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import { createComfyModel, INTERNAL_SERVER_ERROR_TEXT } from '../model/comfy-model'
import { ID_A, loadAndSave, simWork, UUID_PATTERN } from './fixtures'

function setup() {
  const clock = createTestClock(0)
  return { clock, model: createComfyModel({ clock }) }
}

describe('ComfyModel.submit validation', () => {
  it('answers 400 no_prompt without a prompt', () => {
    const { model } = setup()
    expect(model.submit({ client_id: 'x' })).toEqual({
      status: 400,
      body: {
        error: {
          type: 'no_prompt',
          message: 'No prompt provided',
          details: 'No prompt provided',
          extra_info: {},
        },
        node_errors: {},
      },
    })
  })

  it('answers 400 missing_node_type for a node without class_type', () => {
    const { model } = setup()
    const untitled = model.submit({ prompt: { ...loadAndSave(), '7': { inputs: {} } } })
    expect(untitled).toEqual({
      status: 400,
      body: {
        error: {
          type: 'missing_node_type',
          message:
            "Node 'ID #7' has no class_type. The workflow may be corrupted or a custom node is missing.",
          details: "Node ID '#7'",
          extra_info: { node_id: '7', class_type: null, node_title: null },
        },
        node_errors: {},
      },
    })
    const titled = model.submit({ prompt: { '3': { inputs: {}, _meta: { title: 'My sampler' } } } })
    expect(titled.body).toMatchObject({
      error: { message: expect.stringMatching(/^Node 'My sampler' has no class_type/) },
    })
  })

  it('answers 400 prompt_no_outputs without an output node', () => {
    const { model } = setup()
    const result = model.submit({ prompt: { '1': { class_type: 'LoadImage', inputs: {} } } })
    expect(result).toEqual({
      status: 400,
      body: {
        error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} },
        node_errors: {},
      },
    })
    const excluded = model.submit({ prompt: loadAndSave(), partial_execution_targets: ['1'] })
    expect(excluded.body).toMatchObject({ error: { type: 'prompt_no_outputs' } })
  })

  it.each([
    ['uppercase', ID_A.toUpperCase()],
    ['without hyphens', ID_A.replaceAll('-', '')],
    ['braced', `{${ID_A}}`],
    ['not a uuid', 'job-1'],
    ['a number', 42],
  ])('answers 400 invalid_prompt_id for a prompt_id that is %s', (_name, promptId) => {
    const { model } = setup()
    expect(model.submit({ prompt: loadAndSave(), prompt_id: promptId })).toEqual({
      status: 400,
      body: {
        error: {
          type: 'invalid_prompt_id',
          message: 'prompt_id must be a valid UUID',
          details:
            'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
          extra_info: {},
        },
        node_errors: {},
      },
    })
    expect(model.queueRemaining).toBe(0)
  })

  it('advances the counter even for rejected prompts', () => {
    const { model } = setup()
    model.submit({})
    model.submit({ prompt: {}, prompt_id: 'bad' })
    expect(model.submit({ prompt: loadAndSave() }).body).toMatchObject({ number: 2 })
  })

  it('keeps a client prompt_id and generates a uuid when it is absent or null', () => {
    const { model } = setup()
    expect(model.submit({ prompt: loadAndSave(), prompt_id: ID_A }).body).toEqual({
      prompt_id: ID_A,
      number: 0,
      node_errors: {},
    })
    for (const body of [{ prompt: loadAndSave() }, { prompt: loadAndSave(), prompt_id: null }]) {
      const result = model.submit(body)
      expect(result.status).toBe(200)
      expect((result.body as { prompt_id: string }).prompt_id).toMatch(UUID_PATTERN)
    }
  })

  it('does not deduplicate: the same prompt_id is queued and run twice, as in ComfyUI', async () => {
    const { clock, model } = setup()
    expect(model.submit({ prompt: simWork(100), prompt_id: ID_A }).status).toBe(200)
    expect(model.submit({ prompt: simWork(100), prompt_id: ID_A }).status).toBe(200)
    expect(model.queueRemaining).toBe(2)
    await clock.advance(200)
    expect(model.log).toEqual([
      { promptId: ID_A, startedAt: 0, endedAt: 100, outcome: 'success' },
      { promptId: ID_A, startedAt: 100, endedAt: 200, outcome: 'success' },
    ])
    // One history entry, overwritten by the run that finished last.
    const entry = model.history(ID_A)[ID_A]!
    expect(Object.keys(model.history())).toEqual([ID_A])
    expect(entry.prompt[0]).toBe(1)
    expect(entry.outputs['1']).toEqual({
      images: [{ filename: 'ComfyUI_00002_.png', subfolder: '', type: 'output' }],
    })
  })

  it.each([
    ['a non-numeric number', { prompt: loadAndSave(), number: 'soon' }],
    ['a null body', null],
    ['a numeric body', 5],
    ['a non-dict extra_data', { prompt: loadAndSave(), extra_data: [] }],
    ['a non-dict node', { prompt: { '1': 'SaveImage' } }],
  ])('answers aiohttp 500 for %s, where server.py raises', (_name, body) => {
    const { model } = setup()
    expect(model.submit(body)).toEqual({ status: 500, body: INTERNAL_SERVER_ERROR_TEXT })
  })

  it('moves partner keys out of extra_data and records the usage source header', () => {
    const { model } = setup()
    model.submit(
      { prompt: loadAndSave(), prompt_id: ID_A, extra_data: { api_key_comfy_org: 'secret', keep: true } },
      { usageSource: 'balancer' },
    )
    const extraData = model.queueSnapshot().queue_running[0]![3]
    expect(extraData).toEqual({ keep: true, comfy_usage_source: 'balancer', create_time: 0 })
  })

  it('copies its input, so later changes by the caller do not reach the queue', () => {
    const { model } = setup()
    const prompt = loadAndSave()
    const extra = { tag: 'a' }
    model.submit({ prompt, extra_data: extra })
    prompt['2']!.class_type = 'Changed'
    extra.tag = 'b'
    const [, , queuedPrompt, queuedExtra] = model.queueSnapshot().queue_running[0]!
    expect(queuedPrompt['2']!.class_type).toBe('SaveImage')
    expect(queuedExtra.tag).toBe('a')
    expect(extra).toEqual({ tag: 'b' })
  })
})
