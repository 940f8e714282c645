const MB = 1024 * 1024

/** Heap in use after a full collection, or null when `gc` is not exposed. */
export function heapAfterGc(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return null
  gc()
  gc()
  return Math.round((process.memoryUsage().heapUsed / MB) * 100) / 100
}
