import { type Features, isJsonObject } from './comfy-shapes'
import type { ServerAnswer } from './server-answer'

/**
 * `GET /features` for a fleet: what every answering server supports, so a client that switches a
 * feature on because of this answer gets it whichever server runs its job.
 *
 * Why "every", when the other routes take the union: a flag is a promise about behaviour, not an
 * inventory. A client that sees `supports_preview_metadata: true` asks for type-4 binary previews;
 * a job that lands on a server without that support would then send frames the client does not
 * expect. So per key:
 * - booleans: true only if true on every server (a server without the key does not support it);
 * - numbers (`max_upload_size`): the smallest, the limit every server accepts;
 * - objects (`extension.manager`): merged the same way, key by key;
 * - lists: the values every server lists;
 * - anything else (strings, or a key whose kind differs between servers): kept only if every
 *   server sends the same value, otherwise left out rather than claimed.
 *
 * With no answers, `{}`: no feature is promised.
 */
export function mergeFeatures(perServer: readonly ServerAnswer<Features>[]): Features {
  return mergeObjects(perServer.map((answer) => answer.info))
}

function mergeObjects(objects: readonly (Features | undefined)[]): Features {
  const keys = new Set(objects.flatMap((object) => (object === undefined ? [] : Object.keys(object))))
  const entries: [string, unknown][] = []
  for (const key of keys) {
    const values = objects.map((object) =>
      object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined,
    )
    const merged = mergeValues(values)
    if (merged !== undefined) entries.push([key, merged])
  }
  // fromEntries, so a `__proto__` key stays a plain key.
  return Object.fromEntries(entries)
}

/** One key's values, one per server (`undefined` where a server lacks it); `undefined` = leave out. */
function mergeValues(values: readonly unknown[]): unknown {
  const present = values.filter((value) => value !== undefined)
  const kinds = new Set(present.map(kindOf))
  if (kinds.size !== 1) return undefined
  const [kind] = kinds
  const missing = present.length < values.length
  switch (kind) {
    case 'boolean':
      return !missing && present.every((value) => value === true)
    case 'number':
      return Math.min(...(present as number[]))
    case 'object':
      return mergeObjects(values.map((value) => (isJsonObject(value) ? value : undefined)))
    case 'array': {
      if (missing) return []
      const [first, ...rest] = present as unknown[][]
      return first!.filter((item) => rest.every((list) => list.some((other) => sameJson(item, other))))
    }
    default:
      return present.every((value) => sameJson(value, present[0])) && !missing ? present[0] : undefined
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  return typeof value
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b)
}
