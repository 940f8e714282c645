/**
 * Compares two ComfyUI version strings (`0.3.64`, `v0.26.0`, `0.4.0-rc1`) by their numeric parts;
 * negative when `a` is older. A release ranks above its own pre-release (`0.4.0` > `0.4.0-rc1`).
 * Returns undefined when either string has no leading number, since no order can be claimed then.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const left = parse(a)
  const right = parse(b)
  if (left === undefined || right === undefined) return undefined
  const length = Math.max(left.parts.length, right.parts.length)
  for (let index = 0; index < length; index++) {
    const difference = (left.parts[index] ?? 0) - (right.parts[index] ?? 0)
    if (difference !== 0) return Math.sign(difference)
  }
  if (left.suffix === right.suffix) return 0
  if (left.suffix === '') return 1
  if (right.suffix === '') return -1
  return left.suffix < right.suffix ? -1 : 1
}

/** The oldest of `versions` (by {@link compareVersions}), or undefined when none can be ordered. */
export function lowestVersion(versions: Iterable<string>): string | undefined {
  let lowest: string | undefined
  for (const version of versions) {
    if (parse(version) === undefined) continue
    if (lowest === undefined || compareVersions(version, lowest)! < 0) lowest = version
  }
  return lowest
}

function parse(version: string): { parts: number[]; suffix: string } | undefined {
  const match = /^\s*v?(\d+(?:\.\d+)*)(.*)$/i.exec(version)
  if (match === null) return undefined
  return { parts: match[1]!.split('.').map(Number), suffix: match[2]!.trim() }
}
