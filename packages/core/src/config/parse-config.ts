import type { ServerConfig } from '../contracts/server.js'
import { type ConfigIssue, ConfigValidationError } from '../errors/config-errors.js'
import { toRequestTarget } from '../util/request-target.js'
import {
  DEFAULT_FAILURE_HISTORY,
  DEFAULT_JOB_SETTINGS,
  DEFAULT_OUTLIER_SETTINGS,
  DEFAULT_PROBE_SETTINGS,
} from './defaults.js'
import { toConfigIssues } from './issues.js'
import { type BalancerConfigInput, balancerConfigSchema, type ServerInput } from './schema.js'
import type { BalancerConfig } from './types.js'

/** The id a server gets when none is given: host, port and path, never credentials. */
export function deriveServerId(url: string): string {
  const parsed = new URL(url)
  const path = parsed.pathname.replace(/\/+$/, '')
  return `${parsed.host}${path}`
}

function normalizeServer(input: ServerInput, index: number): ServerConfig {
  const spec = typeof input === 'string' ? { url: input } : input
  const target = toRequestTarget(spec.url, {})
  // Keep the user's credentials in `url` (requests need them) but drop the trailing slash.
  const url = spec.url.replace(/\/+(?=$|\?|#)/, '')
  const id = spec.id ?? deriveServerId(target.base)
  const server: ServerConfig = {
    id,
    url,
    name: spec.name ?? id,
    priority: spec.priority ?? index,
    weight: spec.weight ?? 1,
    headers: { ...(spec.headers ?? {}) },
    tags: [...(spec.tags ?? [])],
  }
  return {
    ...server,
    ...(spec.maxQueue === undefined ? {} : { maxQueue: spec.maxQueue }),
    ...(spec.modelSlots === undefined ? {} : { modelSlots: spec.modelSlots }),
  }
}

function duplicates(servers: readonly ServerConfig[]): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const ids = new Map<string, number>()
  const urls = new Map<string, number>()
  servers.forEach((server, index) => {
    const firstId = ids.get(server.id)
    if (firstId !== undefined) {
      issues.push({
        path: `servers.${index}`,
        message: `duplicate server id "${server.id}" (also servers.${firstId}); give each server a distinct id`,
      })
    } else ids.set(server.id, index)
    const key = toRequestTarget(server.url, {}).base.toLowerCase()
    const firstUrl = urls.get(key)
    if (firstUrl !== undefined && firstId === undefined) {
      issues.push({
        path: `servers.${index}.url`,
        message: `duplicate server URL (also servers.${firstUrl}); list each server once`,
      })
    } else if (firstUrl === undefined) urls.set(key, index)
  })
  return issues
}

/**
 * Validates config input and fills in defaults. Throws {@link ConfigValidationError} listing every
 * problem with its path; never returns a partially valid config.
 *
 * @param source - names where the input came from, for error messages.
 */
export function parseConfig(input: unknown, source = 'inline config'): BalancerConfig {
  const result = balancerConfigSchema.safeParse(input)
  if (!result.success) throw new ConfigValidationError(source, toConfigIssues(result.error, input))
  const value: BalancerConfigInput = result.data
  const servers = value.servers.map(normalizeServer)
  const problems = duplicates(servers)
  if (problems.length > 0) throw new ConfigValidationError(source, problems)
  const probe = { ...DEFAULT_PROBE_SETTINGS, ...defined(value.probe) } as BalancerConfig['probe']
  const jobs = { ...DEFAULT_JOB_SETTINGS, ...defined(value.jobs) } as BalancerConfig['jobs']
  const outlier = { ...DEFAULT_OUTLIER_SETTINGS, ...defined(value.outlier) } as BalancerConfig['outlier']
  if (outlier.maxEjectionMs < outlier.baseEjectionMs) {
    throw new ConfigValidationError(source, [
      {
        path: 'outlier.maxEjectionMs',
        message: `expected maxEjectionMs ≥ baseEjectionMs (${outlier.baseEjectionMs})`,
        received: String(outlier.maxEjectionMs),
      },
    ])
  }
  return {
    servers,
    autoSwitch: value.autoSwitch ?? true,
    fallback: value.fallback ?? 'primary',
    probe,
    jobs,
    outlier,
    failureHistory: value.failureHistory ?? DEFAULT_FAILURE_HISTORY,
  }
}

function defined(settings: object | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings ?? {}).filter(([, setting]) => setting !== undefined))
}
