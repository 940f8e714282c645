import { z } from 'zod'

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

const httpUrl = z
  .string({ error: 'expected a URL string' })
  .refine(isHttpUrl, {
    error: 'expected an absolute http(s) URL such as http://127.0.0.1:8188',
  })
  // WHATWG URL parsing turns `\` into `/` and drops tabs and newlines: such a URL would silently
  // name another server, so it is refused rather than "fixed" (checked only on a URL that parses,
  // so each bad value gets one message).
  .refine((value) => !isHttpUrl(value) || !/[\\\s]/.test(value), {
    error: 'expected a URL without backslashes or whitespace (a `\\` would silently become `/`)',
  })

const nonNegativeMs = (what: string) =>
  z
    .number({ error: `expected ${what} in milliseconds (a number)` })
    .int()
    .min(0)
    .max(86_400_000)

/** One server: a URL string, or an object with a URL and options. */
export const serverInputSchema = z.union(
  [
    httpUrl,
    z.strictObject({
      url: httpUrl,
      id: z.string().min(1, { error: 'expected a non-empty id' }).max(200).optional(),
      name: z.string().min(1).max(200).optional(),
      priority: z.number().int().min(0, { error: 'expected a priority ≥ 0 (0 is the primary)' }).optional(),
      weight: z
        .number({ error: 'expected a weight (a number ≥ 0)' })
        .min(0, { error: 'expected a weight ≥ 0' })
        .max(1_000_000)
        .optional(),
      headers: z.record(z.string(), z.string({ error: 'expected header values to be strings' })).optional(),
      tags: z.array(z.string().min(1)).optional(),
      maxQueue: z.number().int().min(1, { error: 'expected maxQueue ≥ 1' }).optional(),
      /** How many models its GPU keeps loaded at once; learned from 1 when not given. */
      modelSlots: z
        .number()
        .int()
        .min(1, { error: 'expected modelSlots ≥ 1' })
        .max(64, { error: 'expected modelSlots ≤ 64' })
        .optional(),
    }),
  ],
  { error: 'expected a server URL string or an object with a "url"' },
)

/** Probe timings and mode. Every field is optional; defaults follow the original design. */
export const probeInputSchema = z.strictObject({
  /** How long probe results are trusted before a selection refreshes them. */
  cacheMs: nonNegativeMs('a cache time').optional(),
  /** Background refresh period while `start()`ed. */
  intervalMs: nonNegativeMs('an interval').min(10, { error: 'expected intervalMs ≥ 10' }).optional(),
  healthTimeoutMs: nonNegativeMs('a timeout').min(1).optional(),
  queueTimeoutMs: nonNegativeMs('a timeout').min(1).optional(),
  /**
   * `prompt` reads `GET /prompt` (tiny); `queue` reads `GET /queue` (running/pending split, large);
   * `ws` takes `status` pushes from each server's WebSocket, reading `GET /prompt` only while a
   * socket is down; `auto` (the default) is `ws` when the balancer has a WebSocket, else `prompt`.
   */
  queueMode: z
    .enum(['auto', 'prompt', 'queue', 'ws'], {
      error: "expected queueMode 'auto', 'prompt', 'queue' or 'ws'",
    })
    .optional(),
  /** Share of the interval by which background timers are randomly shifted (0–0.5). */
  jitter: z.number().min(0).max(0.5, { error: 'expected jitter between 0 and 0.5' }).optional(),
  /** First re-probe delay for an unhealthy server; doubles up to `recoveryMaxMs`. */
  recoveryBaseMs: nonNegativeMs('a delay').min(10).optional(),
  /**
   * Longest wait between re-probes of an unhealthy server (counted from when the last one was due),
   * so a server that comes back is in rotation within about this long.
   */
  recoveryMaxMs: nonNegativeMs('a delay').min(10).optional(),
  /** Failed probes in a row that make a healthy server unhealthy (a failed job does at once). */
  unhealthyAfter: z
    .number()
    .int()
    .min(1)
    .max(10, { error: 'expected unhealthyAfter between 1 and 10' })
    .optional(),
  /** Answered probes in a row that bring an unhealthy server back. */
  healthyAfter: z
    .number()
    .int()
    .min(1)
    .max(10, { error: 'expected healthyAfter between 1 and 10' })
    .optional(),
  /**
   * Read each server's `/object_info` (node classes, model files) so that jobs go only where they
   * can run. Off: every server is assumed able to run every job.
   */
  capabilities: z.boolean({ error: 'expected capabilities to be true or false' }).optional(),
  /** Timeout of one `/object_info` read (large on real installs). */
  objectInfoTimeoutMs: nonNegativeMs('a timeout').min(1).optional(),
  /** Largest `/object_info` answer read (bytes). */
  objectInfoMaxBytes: z
    .number({ error: 'expected objectInfoMaxBytes in bytes (a number)' })
    .int()
    .min(1_024, { error: 'expected objectInfoMaxBytes ≥ 1024' })
    .optional(),
})

/** Job API timings. Every field is optional. */
export const jobsInputSchema = z.strictObject({
  /** How long `POST /prompt` may take before the balancer checks whether the server got it. */
  submitTimeoutMs: nonNegativeMs('a timeout').min(1).optional(),
  /** Timeout of each job status request. */
  requestTimeoutMs: nonNegativeMs('a timeout').min(1).optional(),
  /** How many servers one submission tries at most. */
  maxAttempts: z.number().int().min(1).max(20, { error: 'expected maxAttempts between 1 and 20' }).optional(),
  /** How often job status is polled when no WebSocket push is available. */
  pollIntervalMs: nonNegativeMs('an interval').min(10).optional(),
  /**
   * How long a job's server may stay unreachable before a job that started there is given up as
   * lost (`JOB_LOST`), and how long a job waiting in the app for a server to recover waits.
   */
  lostAfterMs: nonNegativeMs('a deadline').min(1).optional(),
  /**
   * How long a job may wait on a server that stopped answering before it moves to another server,
   * when the balancer watched it over the server's WebSocket and saw it not start; its copy there is
   * removed once the server answers again. Capped by `lostAfterMs` (which applies without a socket).
   */
  moveAfterMs: nonNegativeMs('a deadline').min(1).optional(),
  /** Retries across the balancer as a share of recent submissions (0–1). */
  retryRatio: z.number().min(0).max(1, { error: 'expected retryRatio between 0 and 1' }).optional(),
  /** Retries always allowed per window. */
  retryMin: z.number().int().min(0).max(1_000).optional(),
  /** The window retries and submissions are counted over. */
  retryWindowMs: nonNegativeMs('a window').min(1).optional(),
  /** First retry's backoff ceiling; doubles per retry (full jitter). */
  retryBackoffMs: nonNegativeMs('a backoff').optional(),
  retryBackoffCapMs: nonNegativeMs('a backoff cap').optional(),
})

/** An API-format prompt: node ids to `{ class_type, inputs }`. */
const canaryPromptSchema = z
  .record(
    z.string(),
    z.looseObject({
      class_type: z.string({ error: 'expected each node to have a "class_type" string' }).min(1),
      inputs: z.record(z.string(), z.unknown(), { error: 'expected each node to have an "inputs" object' }),
    }),
  )
  .refine((prompt) => Object.keys(prompt).length > 0, { error: 'expected a prompt with at least one node' })

const count = (what: string, max: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(max, { error: `expected ${what} between 1 and ${max}` })
const share = (what: string) =>
  z
    .number()
    .min(0)
    .max(1, { error: `expected ${what} between 0 and 1` })

/**
 * Passive health: how failures seen while placing and following jobs take a server out of rotation
 * (Envoy's outlier detection), and when too few are left to trust health at all (panic mode).
 */
export const outlierInputSchema = z.strictObject({
  /** Off: only probes and `recordFailure` take servers out (the original design). */
  enabled: z.boolean({ error: 'expected true or false' }).optional(),
  /** 5xx answers, timeouts and malformed answers in a row that eject a server. */
  consecutiveErrors: count('consecutiveErrors', 100).optional(),
  /** Refused or dropped connections in a row that take a server out (it is down, not merely odd). */
  consecutiveConnectionFailures: count('consecutiveConnectionFailures', 100).optional(),
  /**
   * Jobs in a row that ended in an execution error on the server. Default 1: a failed job is run
   * again elsewhere and a canary brings a healthy server back within seconds, so holding a server
   * out on the first failure is cheap, while every further job a black hole takes fails.
   */
  consecutiveJobFailures: count('consecutiveJobFailures', 100).optional(),
  /**
   * A tiny API-format prompt run on a server ejected for failed jobs, every `canaryIntervalMs`, until
   * it succeeds: then the server is back (on probation: its next failed job ejects it again). `false`:
   * no canary; such a server waits out its ejection time and a real job is its trial. Default: an 8×8
   * `EmptyImage` into `PreviewImage`, core nodes of every ComfyUI.
   */
  canary: z
    .union([z.literal(false), canaryPromptSchema], {
      error: 'expected false or an API-format prompt ({ "1": { "class_type": "...", "inputs": {...} } })',
    })
    .optional(),
  /** Time between canaries while a server is ejected for failed jobs. */
  canaryIntervalMs: nonNegativeMs('an interval')
    .min(100, { error: 'expected canaryIntervalMs ≥ 100' })
    .optional(),
  /** The first ejection's length; the n-th lasts n times as long. */
  baseEjectionMs: nonNegativeMs('an ejection time').min(1).optional(),
  maxEjectionMs: nonNegativeMs('an ejection time').min(1).optional(),
  /** Share of servers that outlier logic may hold out at once (one is always allowed). */
  maxEjectedShare: share('maxEjectedShare').optional(),
  /** Below this share of healthy servers, choose among every server that still answers (0: never). */
  panicThreshold: share('panicThreshold').optional(),
  /** A server whose queue has not moved for this long (and 4 job times) is held out as stalled. */
  stallAfterMs: nonNegativeMs('a stall time').min(1).optional(),
  /** Times down within `flapWindowMs` that make a returning server flapping: held out, not readmitted. */
  flapAfter: count('flapAfter', 100).optional(),
  flapWindowMs: nonNegativeMs('a window').min(1).optional(),
})

/** Everything a balancer can be configured with. Unknown keys are rejected so typos surface. */
export const balancerConfigSchema = z.strictObject({
  servers: z
    .array(serverInputSchema, { error: 'expected "servers" to be a list of URLs or server objects' })
    .min(1, { error: 'expected at least one server' })
    .max(10_000),
  /** When false, only the primary (lowest priority) is used — the original design's switch. */
  autoSwitch: z.boolean({ error: 'expected true or false' }).optional(),
  /** With no healthy server: use the primary anyway (`primary`) or throw (`error`). */
  fallback: z.enum(['primary', 'error'], { error: "expected fallback 'primary' or 'error'" }).optional(),
  probe: probeInputSchema.optional(),
  jobs: jobsInputSchema.optional(),
  outlier: outlierInputSchema.optional(),
  /** How many failures each server remembers. */
  failureHistory: z.number().int().min(1).max(1000).optional(),
})

/** Config as a user writes it (before defaults). */
export type BalancerConfigInput = z.input<typeof balancerConfigSchema>
/** One server as a user writes it. */
export type ServerInput = z.input<typeof serverInputSchema>
