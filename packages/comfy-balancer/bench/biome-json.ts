/**
 * JSON as the repo's formatter (Biome) writes it: two-space indents, arrays of numbers on one line,
 * a final newline. Result files written this way stay lint-clean after a benchmark run.
 */
export function biomeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(
    /\[\s+([-\d.e+,\s]+?)\s+\]/g,
    (_, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`,
  )}\n`
}
