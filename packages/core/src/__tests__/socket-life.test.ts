import { describe, expect, it } from 'vitest'
import { SocketLife } from '../ws/socket-life.js'

describe('SocketLife: whether every message of a socket epoch arrived and nothing ran after it', () => {
  it('an open epoch is watched; a closed one whose next connection attempt failed died with its process', () => {
    const life = new SocketLife()
    expect(life.openEpoch).toBeUndefined()
    life.opened()
    const epoch = life.openEpoch!
    expect(life.watchedThrough(epoch)).toBe('open')
    life.closed(true)
    expect(life.openEpoch).toBeUndefined()
    // Closed, and nothing known yet about what came after.
    expect(life.watchedThrough(epoch)).toBe('unknown')
    life.closed(false) // the reconnection was refused
    expect(life.watchedThrough(epoch)).toBe('died')
    life.opened() // the restarted server
    expect(life.watchedThrough(epoch)).toBe('died')
    expect(life.watchedThrough(life.openEpoch!)).toBe('open')
  })

  it('a socket that dropped and reconnected at once leaves a gap: unknown', () => {
    const life = new SocketLife()
    life.opened()
    const epoch = life.openEpoch!
    life.closed(true)
    life.opened()
    expect(life.watchedThrough(epoch)).toBe('unknown')
    // A later failed attempt says nothing about the gap before the reconnection.
    life.closed(true)
    life.closed(false)
    expect(life.watchedThrough(epoch)).toBe('unknown')
  })

  it('forgets the oldest epochs beyond eight', () => {
    const life = new SocketLife()
    life.opened()
    const first = life.openEpoch!
    life.closed(true)
    life.closed(false)
    for (let i = 0; i < 9; i++) {
      life.opened()
      life.closed(true)
      life.closed(false)
    }
    expect(life.watchedThrough(first)).toBe('unknown')
    expect(life.watchedThrough(first + 9)).toBe('died')
  })
})
