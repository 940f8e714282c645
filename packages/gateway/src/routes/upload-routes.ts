import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../context.js'

const FOLDERS = new Set(['input', 'temp', 'output'])

/**
 * `POST /upload/image` and `/upload/mask`: the file is kept by the gateway under the name ComfyUI
 * would give it, and put on whichever server a prompt that names it is sent to, before that prompt.
 */
export function uploadRoutes(app: FastifyInstance, context: GatewayContext): void {
  app.post('/upload/image', (request, reply) => upload(request, reply, context, false))
  app.post('/upload/mask', (request, reply) => upload(request, reply, context, true))
}

async function upload(
  request: FastifyRequest,
  reply: FastifyReply,
  context: GatewayContext,
  isMask: boolean,
) {
  if (!request.isMultipart()) return reply.code(400).send()
  const fields: Record<string, string> = {}
  let file: { filename: string; bytes: Buffer } | undefined
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer()
      if (part.fieldname === 'image') file = { filename: part.filename, bytes }
    } else if (typeof part.value === 'string') fields[part.fieldname] = part.value
  }
  if (file === undefined || file.filename === '') return reply.code(400).send()
  const type = FOLDERS.has(fields.type ?? '') ? (fields.type as string) : 'input'
  const subfolder = fields.subfolder ?? ''
  // ComfyUI refuses a path that leaves its folder.
  if (!safePath(subfolder) || !safePath(file.filename) || file.filename.includes('/'))
    return reply.code(400).send()
  let mask: { filename: string; subfolder: string; type: string } | undefined
  if (isMask) {
    const ref = parseRef(fields.original_ref)
    if (ref === undefined) return reply.code(400).send()
    mask = ref
  }
  const overwrite = fields.overwrite === 'true' || fields.overwrite === '1'
  const saved = await context.uploads.save(
    {
      owner: request.owner,
      type,
      subfolder,
      filename: file.filename,
      bytes: file.bytes,
      ...(mask ? { mask } : {}),
    },
    overwrite,
  )
  return reply.send(saved)
}

function safePath(path: string): boolean {
  return !path.startsWith('/') && !path.split(/[\\/]/).includes('..')
}

/** `original_ref`: `{filename, subfolder?, type?}` (type `output` by default, as ComfyUI reads it). */
function parseRef(
  text: string | undefined,
): { filename: string; subfolder: string; type: string } | undefined {
  if (text === undefined) return undefined
  try {
    const ref = JSON.parse(text) as Record<string, unknown>
    if (typeof ref.filename !== 'string' || ref.filename === '' || !safePath(ref.filename)) return undefined
    const subfolder = typeof ref.subfolder === 'string' ? ref.subfolder : ''
    const type = typeof ref.type === 'string' && FOLDERS.has(ref.type) ? ref.type : 'output'
    return safePath(subfolder) ? { filename: ref.filename, subfolder, type } : undefined
  } catch {
    return undefined
  }
}
