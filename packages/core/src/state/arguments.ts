import { InvalidArgumentError } from '../errors/server-errors.js'

/**
 * Argument checks every `StateStore` makes before touching its backend, exported so that other
 * implementations reject bad input the same way (`InvalidArgumentError`, code `INVALID_ARGUMENT`).
 */
export function checkStateId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(`StateStore: ${what} must be a non-empty string, received ${show(value)}.`)
  }
}

/** A TTL must be a positive, finite number of milliseconds: every shared entry must lapse. */
export function checkStateTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new InvalidArgumentError(
      `StateStore: ttlMs must be a positive, finite number of milliseconds, received ${show(ttlMs)}.`,
    )
  }
}

/** An in-flight delta is a whole number of jobs. */
export function checkStateDelta(delta: unknown): asserts delta is number {
  if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) {
    throw new InvalidArgumentError(`StateStore: delta must be an integer, received ${show(delta)}.`)
  }
}

/** An in-flight count is a whole number of jobs, 0 or more. */
export function checkStateCount(count: unknown): asserts count is number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new InvalidArgumentError(`StateStore: count must be an integer ≥ 0, received ${show(count)}.`)
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}
