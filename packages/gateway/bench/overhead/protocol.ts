/** What the bench tells the gateway process: its first stdin line. */
export interface GatewaySetup {
  /** The simulated servers behind the gateway. */
  readonly urls: readonly string[]
  /** Late binding's tuning (`createLoadBalancer({ dispatch })`); absent: every default. */
  readonly dispatch?: Record<string, unknown>
}

/** Later stdin lines: one command each, answered by one message. */
export type GatewayCommand =
  | { readonly type: 'memory' }
  | { readonly type: 'profile-start' }
  | { readonly type: 'profile-stop'; readonly file: string }
  | { readonly type: 'heap-snapshot'; readonly file: string }
  | { readonly type: 'stop' }

/** The gateway process's heap after two full collections, and its resident set (bytes). */
export interface MemoryFigures {
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
  readonly arrayBuffers: number
  readonly rss: number
  /** Prompts taken and not finished. */
  readonly unfinished: number
  /** Whether `global.gc` was there (node `--expose-gc`); without it the heap is not collected first. */
  readonly collected: boolean
}

/** Lines the gateway process writes on stdout, each prefixed by {@link MESSAGE_PREFIX}. */
export type GatewayMessage =
  | { readonly type: 'ready'; readonly url: string }
  | ({ readonly type: 'memory' } & MemoryFigures)
  | { readonly type: 'profile-started' }
  | { readonly type: 'profile'; readonly file: string }
  | { readonly type: 'heap-snapshot'; readonly file: string }
  | { readonly type: 'stopped'; readonly logLines: number }
  | { readonly type: 'failed'; readonly error: string }

export const MESSAGE_PREFIX = '@@gateway '
