import type { ProbeRecord, ServerMarkInput } from '@comfy-balancer/core'

/**
 * Reads JSON written by another instance, which may run another version: anything that does not
 * have the expected shape is skipped rather than handed to the balancer.
 */
function parse(json: unknown): Record<string, unknown> | undefined {
  if (typeof json !== 'string') return undefined
  try {
    const value: unknown = JSON.parse(json)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const isText = (value: unknown): value is string => typeof value === 'string'
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

export function decodeProbe(json: unknown): ProbeRecord | undefined {
  const value = parse(json)
  if (!value || !isText(value.serverId) || !isText(value.ownerId)) return undefined
  if (!isTime(value.startedAt) || !isTime(value.at)) return undefined
  if (value.health !== 'healthy' && value.health !== 'unhealthy') return undefined
  const queue = value.queue
  if (queue !== 'unknown' && (typeof queue !== 'object' || queue === null)) return undefined
  return value as unknown as ProbeRecord
}

export function decodeMark(json: unknown): ServerMarkInput | undefined {
  const value = parse(json)
  if (!value || !isText(value.serverId) || !isText(value.ownerId) || !isText(value.reason)) return undefined
  if (value.kind !== 'failed' && value.kind !== 'ejected') return undefined
  if (!isTime(value.at)) return undefined
  return value as unknown as ServerMarkInput
}

export function decodeLock(json: unknown): { serverId: string; ownerId: string } | undefined {
  const value = parse(json)
  if (!value || !isText(value.serverId) || !isText(value.ownerId)) return undefined
  return { serverId: value.serverId, ownerId: value.ownerId }
}
