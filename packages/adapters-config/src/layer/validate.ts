import {
  type BalancerConfigInput,
  ComfyBalancerError,
  type ConfigIssue,
  ConfigValidationError,
  parseConfig,
} from '@comfy-balancer/core'
import type { ConfigLayer } from './types.js'

/**
 * Checks a layer with core's own `parseConfig` so `load()` rejects with the same typed error the
 * balancer would raise, but with paths in the user's vocabulary (`comfyui.auto_switch`, not
 * `autoSwitch`). `missingServers` names the key to set when the layer has no servers at all.
 */
export function validateLayer(
  layer: ConfigLayer,
  source: string,
  missingServers?: string,
): BalancerConfigInput {
  const origins =
    layer.config.servers === undefined && missingServers !== undefined
      ? { ...layer.origins, servers: missingServers }
      : layer.origins
  try {
    parseConfig(layer.config, source)
  } catch (error) {
    if (ComfyBalancerError.isInstance(error) && error.code === 'CONFIG_INVALID') {
      const issues = (error as ConfigValidationError).issues.map((issue) => relocate(issue, origins))
      throw new ConfigValidationError(source, issues)
    }
    throw error
  }
  return layer.config as BalancerConfigInput
}

/** Rewrites an issue's path, and config paths quoted in its message, through `origins`. */
export function relocate(issue: ConfigIssue, origins: Readonly<Record<string, string>>): ConfigIssue {
  const path = originOf(issue.path, origins)
  const message = issue.message.replace(/\bservers\.\d+(?:\.[A-Za-z]+)?\b/g, (match) =>
    originOf(match, origins),
  )
  return issue.received === undefined ? { path, message } : { path, message, received: issue.received }
}

function originOf(path: string, origins: Readonly<Record<string, string>>): string {
  const segments = path === '' ? [] : path.split('.')
  // The longest known prefix wins: `servers.2` (a backup line) before `servers` (a JSON list).
  for (let length = segments.length; length > 0; length--) {
    const origin = origins[segments.slice(0, length).join('.')]
    if (origin !== undefined) return origin + segments.slice(length).map(step).join('')
  }
  return path
}

function step(segment: string): string {
  return /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`
}
