import type { z } from 'zod'
import type { ConfigIssue } from '../errors/config-errors.js'
import { redactText } from '../util/redact.js'

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

/** A short, redacted rendering of a received value for error messages. */
export function renderReceived(value: unknown, path: readonly PropertyKey[] = []): string {
  if (value === undefined) return 'nothing'
  if (path.some((key) => key === 'headers')) return '(hidden: headers may hold credentials)'
  let text: string
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  text = redactText(text)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** Converts zod issues into our located, redacted issues. Union failures keep the most specific branch. */
export function toConfigIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const issue of error.issues) {
    if (issue.code === 'invalid_union') {
      const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? []
      // Prefer the branch that got furthest (an object with a bad field over "not a string").
      const best = branches.filter((branch) => branch.length > 0).sort((a, b) => depth(b) - depth(a))[0]
      if (best && depth(best) > 0) {
        for (const inner of best) {
          const path = [...issue.path, ...inner.path]
          out.push(located(path, inner.message, input))
        }
        continue
      }
    }
    out.push(located(issue.path, issue.message, input))
  }
  return out
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(...issues.map((issue) => issue.path.length))
}

function located(path: readonly PropertyKey[], message: string, input: unknown): ConfigIssue {
  const value = valueAt(input, path)
  const issue = { path: path.map(String).join('.'), message: redactText(message) }
  return value === undefined ? issue : { ...issue, received: renderReceived(value, path) }
}
