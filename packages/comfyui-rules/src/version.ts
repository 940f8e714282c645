/** Whether a `major.minor.patch` ComfyUI version is at least `min`; unparsable versions count as new. */
export function versionAtLeast(version: string, min: readonly [number, number, number]): boolean {
  const parts = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version)
  if (parts === null) return true
  const actual = [Number(parts[1]), Number(parts[2]), Number(parts[3] ?? 0)]
  for (let index = 0; index < 3; index++) {
    if (actual[index]! !== min[index]) return actual[index]! > min[index]!
  }
  return true
}
