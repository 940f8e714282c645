import { InvalidArgumentError } from '../errors/server-errors.js'
import type { LateBindingOptions } from './dispatch-host.js'

/** Late binding's tuning with its defaults filled in. */
export interface DispatchTuning {
  readonly tickMs: number
  readonly maxPending: number
  readonly leadMs: number
  readonly holdMargin: number
  readonly loadPressure: number
  readonly modelAware: boolean
}

/**
 * `createLoadBalancer({ dispatch })` with its defaults; throws `InvalidArgumentError` naming the
 * first setting that is not what it should be (a NaN margin would silently hold every job).
 */
export function dispatchTuning(options: LateBindingOptions = {}): DispatchTuning {
  const {
    tickMs = 500,
    maxPendingPerServer: maxPending = 1,
    leadMs = 0,
    holdMargin = 0.5,
    loadPressure = 4,
    modelAware = true,
  } = options
  atLeast('tickMs', tickMs, 1, 'a number of ms ≥ 1')
  atLeast('maxPendingPerServer', maxPending, 0, 'a whole number ≥ 0', Number.isInteger(maxPending))
  atLeast('leadMs', leadMs, 0, 'a number of ms ≥ 0')
  atLeast('holdMargin', holdMargin, 0, 'a share from 0 to 1', holdMargin <= 1)
  atLeast('loadPressure', loadPressure, 0, 'a number ≥ 0')
  if (typeof modelAware !== 'boolean')
    throw new InvalidArgumentError(`dispatch.modelAware must be true or false; got ${describe(modelAware)}.`)
  return { tickMs, maxPending, leadMs, holdMargin, loadPressure, modelAware }
}

function atLeast(name: string, value: unknown, min: number, expected: string, extra = true): void {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && extra) return
  throw new InvalidArgumentError(`dispatch.${name} must be ${expected}; got ${describe(value)}.`)
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}
