import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { codeSpans, readmeTable } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { SERVER_KEYS, SETTINGS } from '../settings/keys.js'

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')

describe('the README Keys table matches the keys the sources read', () => {
  const rows = readmeTable(readme, 'Keys')
  const byKey = new Map(rows.map((row) => [codeSpans(row[0] ?? '')[0], row] as const))

  it('has one row per key, no more', () => {
    const keys = [...SERVER_KEYS, ...SETTINGS.map((setting) => setting.key)]
    expect([...byKey.keys()].sort()).toEqual([...keys].sort())
  })

  it('names each key as an env var and each setting by its config path', () => {
    for (const [key, row] of byKey) expect(codeSpans(row[1] ?? ''), key).toEqual([key!.toUpperCase()])
    for (const setting of SETTINGS) {
      const path = setting.target.replace(/^extras\./, '')
      expect(codeSpans(byKey.get(setting.key)?.[2] ?? ''), setting.key).toEqual([path])
    }
  })
})
