/** Structured fields attached to a log line. Values are already redacted by the balancer. */
export type LogFields = Readonly<Record<string, unknown>>

/** Where the balancer writes what it does. Every message and field is redacted before it gets here. */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /**
   * Optional (pino has it): lets the balancer skip building debug lines nobody will read, which
   * matters on the selection hot path.
   */
  isLevelEnabled?(level: Exclude<LogLevel, 'silent'>): boolean
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

/**
 * A logger that writes to `console` at `level` and above. The default balancer logger is
 * `consoleLogger('warn')`: silent in normal operation, loud when a server or strategy misbehaves.
 */
export function consoleLogger(level: LogLevel = 'warn', prefix = '[comfy-balancer]'): Logger {
  const write =
    (at: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: LogFields): void => {
      if (order[at] < order[level]) return
      if (fields === undefined) console[at](`${prefix} ${message}`)
      else console[at](`${prefix} ${message}`, fields)
    }
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    isLevelEnabled: (at) => order[at] >= order[level],
  }
}

/** A logger that drops everything. */
export const silentLogger: Logger = consoleLogger('silent')
