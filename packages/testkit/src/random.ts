/**
 * A seeded source of uniform random numbers in [0, 1), using mulberry32. The same seed always gives
 * the same sequence, so strategies that take `ctx.random` can be tested exactly. Structurally the
 * same as core's `RandomSource`.
 *
 * @example
 * ```ts
 * const random = seededRandom(42)
 * random() // always the same first value for seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * A UUID v4 (version and variant bits set) drawn from `random`: with a seeded source, tests and
 * benchmarks name the same prompts on every run.
 */
export function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16))
  hex[12] = '4'
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  const h = hex.join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * A source of UUIDs v4 seeded like {@link seededRandom}: the same seed gives the same ids, in the
 * same order. Pass it as core's `createPromptId`.
 *
 * @example
 * ```ts
 * const createPromptId = seededUuid(7)
 * createPromptId() // always the same first id for seed 7
 * ```
 */
export function seededUuid(seed: number): () => string {
  const random = seededRandom(seed)
  return () => uuidFrom(random)
}
