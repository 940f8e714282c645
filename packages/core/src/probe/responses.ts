import { z } from 'zod'

/** Answers are read leniently: unknown fields are ignored; a wrong type fails the probe with a reason. */
const count = z.number().int().min(0)

export const systemStatsSchema = z.object({
  system: z.object({ comfyui_version: z.string().optional() }),
  devices: z.array(z.unknown()).optional(),
})

export const promptInfoSchema = z.object({
  exec_info: z.object({ queue_remaining: count }),
})

export const queueSchema = z.object({
  queue_running: z.array(z.unknown()),
  queue_pending: z.array(z.unknown()),
})

/** A one-line account of why an answer has the wrong shape. */
export function shapeProblem(error: z.ZodError): string {
  const first = error.issues[0]
  if (!first) return 'unexpected shape'
  const where = first.path.length === 0 ? 'the answer' : first.path.map(String).join('.')
  return `${where}: ${first.message}`
}
