import { describe, expect, it } from 'vitest'
import {
  describeForScan,
  drainRecordedLines,
  findSecrets,
  forgetRecordedLines,
  recordEvents,
  recordedLines,
  recordingLogger,
  recordLine,
  TEST_AUTH_HEADERS,
  TEST_BASIC_AUTH,
  TEST_CREDENTIALS,
  TEST_SECRETS,
  withTestCredentials,
} from '../index'

const planted = (line: { text: string }) => line.text.includes('PLANTED')

describe('the credential scan', () => {
  it('catches a secret printed to the console by any test (the setup file records console lines)', () => {
    console.warn(`PLANTED request to ${withTestCredentials('http://127.0.0.1:8188')}/prompt failed`)
    console.log('PLANTED', { headers: TEST_AUTH_HEADERS })
    const hits = findSecrets(recordedLines().filter(planted))
    // The console lines reached the suite-wide record only through the setup file's console hook.
    expect(hits.map((hit) => hit.source)).toEqual(['console.warn', 'console.log', 'console.log'])
    expect(hits[0]!.excerpt).toContain('scan-user:<SECRET>@127.0.0.1')
    // Leave nothing planted behind, or this file's own scan would (rightly) fail it.
    expect(forgetRecordedLines(planted)).toBe(2)
    expect(findSecrets(recordedLines())).toEqual([])
  })

  it('catches secrets in a recording logger, in events, in errors and their causes, and in Basic headers', () => {
    const logger = recordingLogger('planted')
    logger.debug('PLANTED probe', { authorization: TEST_BASIC_AUTH })
    const handlers = new Map<string, (event: unknown) => void>()
    const events = recordEvents({
      on: (name, handler) => {
        handlers.set(name, handler)
        return () => handlers.delete(name)
      },
    })
    const cause = new Error(`connect ECONNREFUSED ${TEST_CREDENTIALS.token}`)
    handlers.get('error')!({
      error: Object.assign(new Error('PLANTED probe failed', { cause }), { code: 'X' }),
    })
    expect(events.count).toBe(1)
    events.stop()
    expect(handlers.size).toBe(0)
    const lines = recordedLines().filter(
      (line) => line.source !== 'console.log' && line.text.includes('PLANTED'),
    )
    expect(lines.map((line) => line.source)).toEqual(['logger:planted', 'event:error'])
    expect(findSecrets(lines).map((hit) => hit.source)).toEqual(['logger:planted', 'event:error'])
    forgetRecordedLines(planted)
  })

  it('passes clean lines, drains the record and counts what it scanned', () => {
    recordLine('test', 'a clean line about http://***:***@127.0.0.1:8188')
    const drained = drainRecordedLines()
    expect(drained.some((line) => line.text.includes('clean line'))).toBe(true)
    expect(findSecrets(drained)).toEqual([])
    expect(recordedLines()).toEqual([])
  })

  it('knows the secrets it hands out', () => {
    expect(TEST_SECRETS).toContain(TEST_CREDENTIALS.password)
    expect(TEST_SECRETS).toContain(TEST_BASIC_AUTH.slice('Basic '.length))
    expect(withTestCredentials('http://127.0.0.1:8188/')).toBe(
      `http://scan-user:${TEST_CREDENTIALS.password}@127.0.0.1:8188`,
    )
    expect(describeForScan({ a: 1n, f: () => 1, m: new Map([[1, 2]]) })).toBe(
      '{"a":"1n","f":"[function f]","m":{"map":[[1,2]]}}',
    )
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(describeForScan(cyclic)).toBe('{"self":"[cycle]"}')
  })
})
