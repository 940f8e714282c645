import type { Redis } from 'ioredis'
import { ADD_IN_FLIGHT, READ_FIELDS, READ_LOCK, RELEASE_LOCK, SET_FIELD, TRY_LEASE } from './scripts.js'

type Arg = string | number

/** The store's Lua scripts as methods of one client (ioredis runs them by `EVALSHA`, loading them once). */
export interface Commands {
  addInFlight(
    keys: [string, string],
    field: string,
    amount: number,
    ttlMs: number,
    serverId: string,
    mode: 'add' | 'set',
  ): Promise<unknown>
  setField(
    keys: [string, string],
    field: string,
    value: string,
    ttlMs: number,
    channel?: string,
  ): Promise<unknown>
  readFields(keys: [string, string]): Promise<unknown>
  readLock(key: string): Promise<unknown>
  releaseLock(key: string, ownerId: string): Promise<unknown>
  tryLease(key: string, ownerId: string, ttlMs: number): Promise<unknown>
}

const DEFINITIONS = {
  comfyBalancerAddInFlight: { numberOfKeys: 2, lua: ADD_IN_FLIGHT },
  comfyBalancerSetField: { numberOfKeys: 2, lua: SET_FIELD },
  comfyBalancerReadFields: { numberOfKeys: 2, lua: READ_FIELDS },
  comfyBalancerReadLock: { numberOfKeys: 1, lua: READ_LOCK },
  comfyBalancerReleaseLock: { numberOfKeys: 1, lua: RELEASE_LOCK },
  comfyBalancerTryLease: { numberOfKeys: 1, lua: TRY_LEASE },
} as const

export function defineCommands(client: Redis): Commands {
  for (const [name, definition] of Object.entries(DEFINITIONS)) client.defineCommand(name, definition)
  // defineCommand adds methods ioredis cannot type; this is the one place that knows their names.
  const call = (name: keyof typeof DEFINITIONS, ...args: Arg[]): Promise<unknown> =>
    (client as unknown as Record<string, (...args: Arg[]) => Promise<unknown>>)[name]!(...args)
  return {
    addInFlight: (keys, field, amount, ttlMs, serverId, mode) =>
      call('comfyBalancerAddInFlight', ...keys, field, amount, ttlMs, serverId, mode),
    setField: (keys, field, value, ttlMs, channel) =>
      channel === undefined
        ? call('comfyBalancerSetField', ...keys, field, value, ttlMs)
        : call('comfyBalancerSetField', ...keys, field, value, ttlMs, channel),
    readFields: (keys) => call('comfyBalancerReadFields', ...keys),
    readLock: (key) => call('comfyBalancerReadLock', key),
    releaseLock: (key, ownerId) => call('comfyBalancerReleaseLock', key, ownerId),
    tryLease: (key, ownerId, ttlMs) => call('comfyBalancerTryLease', key, ownerId, ttlMs),
  }
}
