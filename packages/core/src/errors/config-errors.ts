import { ComfyBalancerError } from './base.js'

/** One thing wrong with a config, located by its path (e.g. `servers.2.weight`). */
export interface ConfigIssue {
  /** Dotted path to the bad field; empty for the whole input. */
  readonly path: string
  /** What was wrong and what was expected. */
  readonly message: string
  /** A short, redacted rendering of the value received, when there was one. */
  readonly received?: string
}

function describe(issues: readonly ConfigIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path === '' ? '(root)' : issue.path
      const got = issue.received === undefined ? '' : ` (received ${issue.received})`
      return `  - ${where}: ${issue.message}${got}`
    })
    .join('\n')
}

/** The config did not pass validation. Nothing was applied; the last good config stays in force. */
export class ConfigValidationError extends ComfyBalancerError {
  /** Every problem found, not just the first. */
  readonly issues: readonly ConfigIssue[]
  /** Which source produced the config (e.g. `inline`, `sql:system_config`). */
  readonly source: string

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(
      'CONFIG_INVALID',
      `Invalid comfy-balancer config from ${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${describe(issues)}`,
    )
    this.name = 'ConfigValidationError'
    this.issues = issues
    this.source = source
  }
}

/** A config source could not be read at all (database down, file missing, HTTP error). */
export class ConfigLoadError extends ComfyBalancerError {
  readonly source: string

  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super('CONFIG_LOAD_FAILED', `Could not load comfy-balancer config from ${source}: ${message}`, options)
    this.name = 'ConfigLoadError'
    this.source = source
  }
}
