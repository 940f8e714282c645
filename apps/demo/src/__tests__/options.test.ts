import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DemoUsageError, parseDemoOptions } from '../server/options.js'

describe('demo options', () => {
  it('defaults to the embedded cluster and the page', () => {
    expect(parseDemoOptions([], {})).toEqual({
      headless: false,
      jobs: 200,
      port: 5173,
      timeScale: 1,
      servers: undefined,
      submit: false,
    })
  })

  it('reads --headless --jobs and runs headless four times faster by default', () => {
    expect(parseDemoOptions(['--headless', '--jobs', '50'], {})).toMatchObject({
      headless: true,
      jobs: 50,
      timeScale: 0.25,
    })
  })

  it('takes real servers from the environment or a config file', () => {
    expect(
      parseDemoOptions([], {
        COMFYUI_SERVER_URL: 'http://10.0.0.5:8188',
        COMFYUI_BACKUP_SERVERS: 'http://b:1,\nhttp://c:2',
      }).servers,
    ).toEqual(['http://10.0.0.5:8188', 'http://b:1', 'http://c:2'])
    const dir = mkdtempSync(join(tmpdir(), 'demo-'))
    const file = join(dir, 'servers.json')
    writeFileSync(file, JSON.stringify({ servers: ['http://a:1', { url: 'http://b:2' }] }))
    expect(parseDemoOptions(['--config', file], {}).servers).toEqual(['http://a:1', 'http://b:2'])
  })

  it('explains bad input', () => {
    expect(() => parseDemoOptions(['--jobs', 'many'], {})).toThrow(/--jobs expects a number ≥ 1, got "many"/)
    expect(() => parseDemoOptions(['--frobnicate'], {})).toThrow(DemoUsageError)
    expect(() => parseDemoOptions(['--config'], {})).toThrow(/--config needs a value/)
  })
})
