import { emptyReply, jsonReply, type Reply } from './replies'
import type { Route, RouteContext } from './route-types'

const FOLDERS = new Set(['input', 'temp', 'output'])

/**
 * server.py's `POST /upload/image` and `/upload/mask` (`image_upload`): a multipart `image` file,
 * `type` (input by default), `subfolder`, `overwrite`; the answer says where the file is. A mask is
 * only written when its `original_ref` exists on this server, as ComfyUI composes the two there.
 */
export const UPLOAD_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/upload/image',
    endpoint: 'upload',
    form: true,
    handle: (context) => upload(context, false),
    wrongShape: () => ({ name: 42 }),
  },
  {
    method: 'POST',
    path: '/upload/mask',
    endpoint: 'upload',
    form: true,
    handle: (context) => upload(context, true),
    wrongShape: () => ({ name: 42 }),
  },
]

function upload({ model, form }: RouteContext, isMask: boolean): Reply {
  const image = form?.files.get('image')
  if (form === undefined || image === undefined || image.name === '') return emptyReply(400)
  const field = (name: string) => form.fields.get(name)
  const type = FOLDERS.has(field('type') ?? '') ? field('type')! : 'input'
  const subfolder = field('subfolder') ?? ''
  if (escapes(subfolder) || escapes(image.name)) return emptyReply(400)
  const overwrite = field('overwrite') === 'true' || field('overwrite') === '1'
  if (isMask) {
    const original = originalOf(field('original_ref'))
    if (original === undefined) return emptyReply(400)
    // image_save_function writes nothing when the original is not on this server.
    if (!model.files.has(original.filename, original.subfolder, original.type))
      return jsonReply({ name: image.name, subfolder, type })
  }
  return jsonReply(
    model.files.upload({ filename: image.name, subfolder, type, bytes: image.bytes, overwrite }),
  )
}

function escapes(path: string): boolean {
  return path.startsWith('/') || path.split(/[\\/]/).includes('..')
}

function originalOf(
  text: string | undefined,
): { filename: string; subfolder: string; type: string } | undefined {
  if (text === undefined) return undefined
  try {
    const ref = JSON.parse(text) as Record<string, unknown>
    if (typeof ref.filename !== 'string' || ref.filename === '' || escapes(ref.filename)) return undefined
    const subfolder = typeof ref.subfolder === 'string' ? ref.subfolder : ''
    return { filename: ref.filename, subfolder, type: typeof ref.type === 'string' ? ref.type : 'output' }
  } catch {
    return undefined
  }
}
