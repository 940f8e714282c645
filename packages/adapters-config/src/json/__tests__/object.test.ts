import { type ConfigValidationError, parseConfig } from '@comfy-balancer/core'
import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
import { describe, expect, it } from 'vitest'
import { rejectionOf } from '../../__tests__/helpers.js'
import { type JsonConfigDocument, jsonConfig } from '../index.js'

const documents = new WeakMap<object, { servers: unknown }>()

describeConfigSource('jsonConfig(object)', {
  subscribes: false,
  parse: parseConfig,
  create(initial) {
    const document = { servers: [...initial.servers] }
    const source = jsonConfig(document)
    documents.set(source, document)
    return source
  },
  // The object is read at each load: replacing its list is a change the next load sees.
  change(source, next) {
    documents.get(source)!.servers = [...next.servers]
  },
  breakIt(source) {
    documents.get(source)!.servers = 'http://not-a-list.test'
  },
})

describe('jsonConfig with an object', () => {
  it('returns core’s config, with lockMs and $schema taken off into extras', async () => {
    const document: JsonConfigDocument = {
      $schema: './comfy-balancer.schema.json',
      servers: ['http://a.test:8188', { url: 'http://b.test:8188', weight: 3 }],
      probe: { intervalMs: 20_000 },
      lockMs: 30_000,
    }
    const source = jsonConfig(document)
    expect(source.name).toBe('json:object')
    expect(await source.load()).toEqual({
      servers: ['http://a.test:8188', { url: 'http://b.test:8188', weight: 3 }],
      probe: { intervalMs: 20_000 },
    })
    expect(source.extras).toEqual({ lockMs: 30_000 })
    expect(source.subscribe).toBeUndefined()
  })

  it('rejects a bad lockMs and bad fields with core’s located issues, hiding header values', async () => {
    const lock = (await rejectionOf(
      jsonConfig({ servers: ['http://a.test'], lockMs: -5 }).load(),
    )) as unknown as ConfigValidationError
    expect(lock.issues).toEqual([
      {
        path: 'lockMs',
        message: 'expected a whole number of milliseconds (0 to 86400000), e.g. 30000',
        received: '-5',
      },
    ])
    const bad = (await rejectionOf(
      jsonConfig({
        servers: [{ url: 'http://a.test', headers: { Authorization: 1 as unknown as string } }],
        autoswitch: true,
      } as unknown as JsonConfigDocument).load(),
    )) as unknown as ConfigValidationError
    expect(bad.source).toBe('json:object')
    expect(bad.issues.map((issue) => issue.path).sort()).toEqual(['', 'servers.0.headers.Authorization'])
    expect(bad.message).toContain('(hidden: headers may hold credentials)')
  })

  it('refuses what is neither an object, a path nor a URL', () => {
    expect(() => jsonConfig(42 as unknown as string)).toThrow(
      /expected a config object, a file path or a URL/,
    )
    expect(() => jsonConfig(new URL('ftp://x.test/c.json'))).toThrow(/expected an http\(s\) or file: URL/)
  })

  it('points a file path to the Node entry: this one never loads node:fs (browser bundles)', () => {
    for (const target of ['./comfy.json', new URL('file:///etc/comfy.json')])
      expect(() => jsonConfig(target)).toThrow(/files are read on Node only: .*@comfy-balancer\/config\/node/)
  })
})
