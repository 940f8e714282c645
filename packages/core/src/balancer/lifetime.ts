import { DisposedError } from '../errors/server-errors.js'

/**
 * A balancer's life, from creation to `dispose()`: its abort signal stops loads and probes, and
 * every public call checks it first, so a disposed balancer fails with a clear `DisposedError`.
 */
export class Lifetime {
  readonly #controller = new AbortController()

  /** Aborted when the balancer is disposed. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get ended(): boolean {
    return this.#controller.signal.aborted
  }

  /** Ends the lifetime; returns false when it had already ended. */
  end(): boolean {
    if (this.ended) return false
    this.#controller.abort()
    return true
  }

  /** Throws `DisposedError` naming `operation` once the balancer is disposed. */
  assertLive(operation: string): void {
    if (this.ended) throw new DisposedError(operation)
  }

  /** Runs a promise-returning call, turning a synchronous throw (disposed, bad argument) into a rejection. */
  live<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      this.assertLive(operation)
      return run()
    } catch (error) {
      return Promise.reject(error)
    }
  }
}
