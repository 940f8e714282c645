import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type ConfigValidationError, parseConfig } from '@comfy-balancer/core'
import { createTestClock, type TestClock } from '@comfy-balancer/testkit'
import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
import { afterEach, describe, expect, it } from 'vitest'
import { FOUR, nextEvent, rejectionOf, runBalancer, useMsw, within } from '../../__tests__/helpers.js'
import type { TimerClock } from '../../internal/clock.js'
import { jsonConfig } from '../../node/index.js'

useMsw()

const DEBOUNCE_MS = 100
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'comfy-config-'))
  dirs.push(dir)
  const path = join(dir, 'comfy.json')
  await writeFile(path, JSON.stringify(content))
  return path
}

/** The test clock, plus `armed()`: resolves when the source next arms its debounce (a real fs event came). */
function watchedClock(clock: TestClock): TimerClock & { armed(): Promise<void> } {
  let wake: (() => void) | undefined
  return {
    setTimeout(callback, ms) {
      wake?.()
      return clock.setTimeout(callback, ms)
    },
    clearTimeout: (handle) => clock.clearTimeout(handle),
    armed: () =>
      new Promise<void>((resolve) => {
        wake = resolve
      }),
  }
}

const files = new WeakMap<object, { path: string; clock: TestClock }>()

describeConfigSource('jsonConfig(file, { watch: true })', {
  parse: parseConfig,
  async create(initial) {
    const path = await tempFile(initial)
    const clock = createTestClock()
    const source = jsonConfig(path, { watch: true, clock, debounceMs: DEBOUNCE_MS })
    files.set(source, { path, clock })
    return source
  },
  change: (source, next) => writeFile(files.get(source)!.path, JSON.stringify(next)),
  breakIt: (source) => unlink(files.get(source)!.path),
  advance: (source) => files.get(source)!.clock.advance(DEBOUNCE_MS),
})

describe('jsonConfig with a file', () => {
  it('reads a path or a file: URL', async () => {
    const path = await tempFile({ servers: ['http://a.test:8188'], autoSwitch: false, lockMs: 10_000 })
    const source = jsonConfig(path)
    expect(source.name).toBe(`json:${path}`)
    expect(await source.load()).toEqual({ servers: ['http://a.test:8188'], autoSwitch: false })
    expect(source.extras).toEqual({ lockMs: 10_000 })
    expect(await jsonConfig(pathToFileURL(path)).load()).toEqual({
      servers: ['http://a.test:8188'],
      autoSwitch: false,
    })
    expect(source.subscribe).toBeUndefined()
  })

  it('says where malformed JSON breaks, without quoting the file', async () => {
    const path = await tempFile({})
    await writeFile(
      path,
      '{\n  "servers": [\n    { "url": "http://a.test", "headers": { "X-Api-Key": "k3y-secret" } ]\n}',
    )
    const error = (await rejectionOf(jsonConfig(path).load())) as unknown as ConfigValidationError
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.issues).toEqual([
      {
        path: '',
        message: expect.stringMatching(/^expected a JSON config: not valid JSON \(line 3, column \d+\)$/),
      },
    ])
    expect(error.message).not.toContain('k3y-secret')
  })

  it('reports a missing file as a load error with a hint', async () => {
    const error = await rejectionOf(jsonConfig('/nonexistent/comfy.json').load())
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toMatch(
      /from json:\/nonexistent\/comfy\.json: ENOENT.*Create the file or fix the path/,
    )
  })

  it('reaches a running balancer when the file changes on disk, atomic saves included', async () => {
    const path = await tempFile({ servers: FOUR.slice(0, 2) })
    let watched: ReturnType<typeof watchedClock> | undefined
    const { balancer, clock } = runBalancer((clock) => {
      watched = watchedClock(clock)
      return jsonConfig(path, { watch: true, clock: watched, debounceMs: DEBOUNCE_MS })
    })
    await balancer.refresh()
    balancer.recordFailure(FOUR[1]!, 'bad job')

    // A plain write, then an editor-style save (temp file renamed over the old one).
    const saves = [
      () => writeFile(path, JSON.stringify({ servers: FOUR.slice(0, 3) })),
      async () => {
        await writeFile(`${path}.tmp`, JSON.stringify({ servers: [FOUR[1], FOUR[2]] }))
        await rename(`${path}.tmp`, path)
      },
    ]
    const diffs = []
    for (const save of saves) {
      const changed = nextEvent(balancer, 'config-changed')
      const armed = watched!.armed()
      await save()
      // A real fs event takes real time: wait for it (bounded), then let the debounce run out.
      const first = await within(Promise.race([armed.then(() => 'armed'), changed.then(() => 'changed')]))
      if (first === 'armed') await clock.advance(DEBOUNCE_MS)
      diffs.push(await changed)
    }
    expect(diffs).toEqual([
      { added: ['gpu-c.test:8188'], removed: [], changed: [], settings: [] },
      {
        added: [],
        removed: ['gpu-a.test:8188'],
        changed: ['gpu-b.test:8188', 'gpu-c.test:8188'],
        settings: [],
      },
    ])
    // gpu-b was unchanged in URL throughout: it kept its failure.
    expect(balancer.getSnapshot().servers[0]).toMatchObject({ id: 'gpu-b.test:8188', health: 'unhealthy' })
    balancer.dispose()
  })

  it('keeps the last good config when the file turns bad, and reports why', async () => {
    const path = await tempFile({ servers: FOUR.slice(0, 2) })
    let watched: ReturnType<typeof watchedClock> | undefined
    const { balancer, clock } = runBalancer((clock) => {
      watched = watchedClock(clock)
      return jsonConfig(path, { watch: true, clock: watched, debounceMs: DEBOUNCE_MS })
    })
    await balancer.ready()
    const failed = nextEvent(balancer, 'error')
    const armed = watched!.armed()
    await writeFile(path, JSON.stringify({ servers: [FOUR[0], 'http://a:pw-secret@gpu-x.test', FOUR[0]] }))
    const first = await within(Promise.race([armed.then(() => 'armed'), failed.then(() => 'failed')]))
    if (first === 'armed') await clock.advance(DEBOUNCE_MS)
    const { error } = await failed
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toContain(`json:${path}`)
    expect(error.message).toContain('servers.2: duplicate server id "gpu-a.test:8188" (also servers.0)')
    expect(error.message).not.toContain('pw-secret')
    expect(balancer.getSnapshot().servers.map((s) => s.id)).toEqual(['gpu-a.test:8188', 'gpu-b.test:8188'])
    balancer.dispose()
  })
})
