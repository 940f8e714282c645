import { webcrypto } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createLoadBalancer, InvalidArgumentError } from '../index.js'
import { randomUuid } from '../util/random-uuid.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Web Crypto as a page outside a secure context has it: `getRandomValues` only. */
const insecure = { getRandomValues: <T extends Uint8Array>(array: T) => webcrypto.getRandomValues(array) }

describe('randomUuid (prompt ids)', () => {
  it('uses crypto.randomUUID where it exists', () => {
    expect(randomUuid({ randomUUID: () => '00000000-0000-4000-8000-000000000001' })).toBe(
      '00000000-0000-4000-8000-000000000001',
    )
  })

  it('builds RFC 4122 v4 ids from getRandomValues where randomUUID is missing', () => {
    const ids = Array.from({ length: 1_000 }, () => randomUuid(insecure))
    for (const id of ids) expect(id).toMatch(V4)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('sets exactly the version and variant bits, keeping every other random bit', () => {
    const all = (byte: number) => ({ getRandomValues: <T extends Uint8Array>(array: T) => array.fill(byte) })
    expect(randomUuid(all(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
    expect(randomUuid(all(0x00))).toBe('00000000-0000-4000-8000-000000000000')
  })

  it('asks for createPromptId where there is no Web Crypto at all', () => {
    expect(() => randomUuid({})).toThrow(InvalidArgumentError)
    expect(() => randomUuid({})).toThrow(/createPromptId/)
  })

  it('lets a balancer be made on a page without crypto.randomUUID (its client id comes from the same source)', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!
    Object.defineProperty(globalThis, 'crypto', { value: insecure, configurable: true })
    try {
      const balancer = createLoadBalancer({ config: { servers: ['http://gpu-a.test:8188'] } })
      balancer.dispose()
    } finally {
      Object.defineProperty(globalThis, 'crypto', descriptor)
    }
  })
})
