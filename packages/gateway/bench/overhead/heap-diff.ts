import { readFileSync } from 'node:fs'

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: unknown[] } }
  readonly nodes: number[]
  readonly strings: string[]
}

/** Self size and count per object kind (constructor name for objects, else the node type). */
function census(file: string): Map<string, { count: number; bytes: number }> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot
  const fields = heap.snapshot.meta.node_fields
  const types = heap.snapshot.meta.node_types[0] as string[]
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [
    number,
    number,
    number,
  ]
  const kinds = new Map<string, { count: number; bytes: number }>()
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt]!]!
    const name = heap.strings[heap.nodes[i + nameAt]!]!
    const key = type === 'object' || type === 'closure' ? `${type} ${name}` : type
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 }
    kind.count += 1
    kind.bytes += heap.nodes[i + sizeAt]!
    kinds.set(key, kind)
  }
  return kinds
}

/** What grew between two heap snapshots, by object kind, largest growth first. */
export function heapGrowth(
  before: string,
  after: string,
  top = 15,
): Array<{ readonly kind: string; readonly count: number; readonly bytes: number }> {
  const old = census(before)
  return [...census(after)]
    .map(([kind, now]) => ({
      kind,
      count: now.count - (old.get(kind)?.count ?? 0),
      bytes: now.bytes - (old.get(kind)?.bytes ?? 0),
    }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top)
}
