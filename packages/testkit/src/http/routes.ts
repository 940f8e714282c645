import {
  isJsonObject,
  PythonError,
  pyContains,
  pyInt,
  pyIterate,
  pyTruthy,
} from '@comfy-balancer/comfyui-rules'
import type { HistoryQuery } from '../model/types'
import { matchRoute } from './base-url-router'
import { emptyReply, fileReply, internalErrorReply, jsonReply, pngBytes, type Reply } from './replies'
import type { Route } from './route-types'
import { UPLOAD_ROUTES } from './upload-routes'

export type { ParsedForm, Route, RouteContext } from './route-types'

const queueInfoWrong = { exec_info: { queue_remaining: 'lots' } }

/** The job routes: queue, prompts, history, interrupt, outputs. */
const JOB_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/system_stats',
    endpoint: 'system_stats',
    handle: ({ model }) => jsonReply(model.systemStats()),
    wrongShape: () => ({ system: 42 }),
  },
  {
    method: 'GET',
    path: '/prompt',
    endpoint: 'prompt',
    handle: ({ model }) => jsonReply({ exec_info: { queue_remaining: model.queueRemaining } }),
    wrongShape: () => queueInfoWrong,
  },
  {
    method: 'POST',
    path: '/prompt',
    endpoint: 'prompt',
    handle: ({ model, request, bodyText }) =>
      pythonErrors(() => {
        const usageSource = request.headers.get('Comfy-Usage-Source')
        const result = model.submit(parseJson(bodyText), usageSource ? { usageSource } : {})
        return result.status === 500 ? internalErrorReply() : jsonReply(result.body, result.status)
      }),
    wrongShape: () => ({ prompt_id: 42, number: 'first', node_errors: [] }),
  },
  {
    method: 'GET',
    path: '/queue',
    endpoint: 'queue',
    handle: ({ model }) => jsonReply(model.queueSnapshot()),
    wrongShape: () => [],
  },
  {
    method: 'POST',
    path: '/queue',
    endpoint: 'queue',
    handle: ({ model, bodyText }) =>
      pythonErrors(() => {
        const json = parseJson(bodyText)
        if (pyContains(json, 'clear') && pyTruthy((json as Record<string, unknown>).clear)) model.clearQueue()
        if (pyContains(json, 'delete')) {
          const ids = pyIterate((json as Record<string, unknown>).delete)
          model.deleteQueued(ids.filter((id): id is string => typeof id === 'string'))
        }
        return emptyReply()
      }),
    wrongShape: () => [],
  },
  {
    method: 'GET',
    path: '/history',
    endpoint: 'history',
    handle: ({ model, url }) =>
      pythonErrors(() => {
        const maxItems = url.searchParams.get('max_items')
        const offset = url.searchParams.get('offset')
        const query: HistoryQuery = {}
        if (maxItems !== null) query.maxItems = pyInt(maxItems)
        if (offset !== null) query.offset = pyInt(offset)
        return jsonReply(model.history(query))
      }),
    wrongShape: () => [42],
  },
  {
    method: 'POST',
    path: '/history',
    endpoint: 'history',
    handle: ({ model, bodyText }) =>
      pythonErrors(() => {
        const json = parseJson(bodyText)
        if (pyContains(json, 'clear') && pyTruthy((json as Record<string, unknown>).clear))
          model.clearHistory()
        if (pyContains(json, 'delete')) {
          const ids = pyIterate((json as Record<string, unknown>).delete)
          model.deleteHistory(ids.filter((id): id is string => typeof id === 'string'))
        }
        return emptyReply()
      }),
    wrongShape: () => [],
  },
  {
    method: 'GET',
    path: '/history/:promptId',
    endpoint: 'history',
    handle: ({ model, params }) => jsonReply(model.history(params.promptId ?? '')),
    wrongShape: ({ params }) => ({ [params.promptId ?? '']: 42 }),
  },
  {
    method: 'POST',
    path: '/interrupt',
    endpoint: 'interrupt',
    handle: ({ model, bodyText }) =>
      pythonErrors(() => {
        let json: unknown
        try {
          json = JSON.parse(bodyText)
        } catch {
          json = {}
        }
        // `json_data.get(...)` raises on anything but a dict.
        if (!isJsonObject(json)) throw new PythonError("object has no attribute 'get'")
        const promptId = json.prompt_id
        if (!pyTruthy(promptId)) model.interrupt()
        else if (typeof promptId === 'string') model.interrupt(promptId)
        return emptyReply()
      }),
    wrongShape: () => ({ interrupted: 'maybe' }),
  },
  {
    method: 'GET',
    path: '/api/jobs/:jobId',
    endpoint: 'jobs',
    handle: ({ model, params }) => {
      const job = model.jobStatus(params.jobId ?? '')
      return job === undefined ? jsonReply({ error: 'Job not found' }, 404) : jsonReply(job)
    },
    wrongShape: () => ({ id: 42, status: 'lots' }),
  },
  {
    method: 'GET',
    path: '/view',
    endpoint: 'view',
    handle: ({ model, url }) => {
      const filename = url.searchParams.get('filename')
      if (filename === null) return emptyReply(404)
      const type = url.searchParams.get('type') ?? 'output'
      if (filename === '' || filename.startsWith('/') || filename.includes('..')) return emptyReply(400)
      if (!['output', 'input', 'temp'].includes(type)) return emptyReply(400)
      const subfolder = url.searchParams.get('subfolder') ?? ''
      if (!model.files.has(filename, subfolder, type)) return emptyReply(404)
      return fileReply(pngBytes(), 'image/png', filename)
    },
    wrongShape: () => ({ image: 42 }),
  },
]

/** The catalog routes (server.py): what a server can run, read by clients when they connect. */
const CATALOG_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/object_info',
    endpoint: 'catalog',
    handle: ({ model }) => jsonReply(model.catalog.objectInfo()),
    wrongShape: () => [42],
  },
  {
    method: 'GET',
    path: '/object_info/:nodeClass',
    endpoint: 'catalog',
    handle: ({ model, params }) => jsonReply(model.catalog.objectInfoOf(params.nodeClass ?? '')),
    wrongShape: () => [42],
  },
  {
    method: 'GET',
    path: '/models',
    endpoint: 'catalog',
    handle: ({ model }) => jsonReply(model.catalog.folders()),
    wrongShape: () => ({ folders: 42 }),
  },
  {
    method: 'GET',
    path: '/models/:folder',
    endpoint: 'catalog',
    handle: ({ model, params }) => {
      // An unregistered folder is aiohttp's bare 404, not JSON.
      const files = model.catalog.files(params.folder ?? '')
      return files === undefined ? emptyReply(404) : jsonReply(files)
    },
    wrongShape: () => ({ files: 42 }),
  },
  {
    method: 'GET',
    path: '/embeddings',
    endpoint: 'catalog',
    handle: ({ model }) => jsonReply(model.catalog.embeddings()),
    wrongShape: () => ({ embeddings: 42 }),
  },
  {
    method: 'GET',
    path: '/extensions',
    endpoint: 'catalog',
    handle: ({ model }) => jsonReply(model.catalog.extensions()),
    wrongShape: () => ({ extensions: 42 }),
  },
  {
    method: 'GET',
    path: '/features',
    endpoint: 'catalog',
    // ComfyUI's default upload limit, 100 MiB, reported in bytes as a float.
    handle: () => jsonReply({ supports_preview_metadata: true, max_upload_size: 104_857_600 }),
    wrongShape: () => [42],
  },
]

/** The routes the simulated server answers, as server.py defines them. */
export const ROUTES: readonly Route[] = [...JOB_ROUTES, ...CATALOG_ROUTES, ...UPLOAD_ROUTES]

/**
 * The route for this method and path (below the server's base URL, also under `/api`), with its
 * decoded parameters. `HEAD` finds the `GET` route, as aiohttp's `add_get` also registers HEAD.
 */
export function findRoute(
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method
  for (const route of ROUTES) {
    if (route.method !== wanted) continue
    const params = matchRoute(route.path, path)
    if (params !== undefined) return { route, params }
  }
  return undefined
}

/** The methods some route accepts at this path (aiohttp's `Allow` list for a 405), sorted. */
export function allowedMethods(path: string): string[] {
  const methods = new Set<string>()
  for (const route of ROUTES) {
    if (matchRoute(route.path, path) === undefined) continue
    methods.add(route.method)
    if (route.method === 'GET') methods.add('HEAD')
  }
  return [...methods].sort()
}

// Python's json.loads raises on invalid or empty bodies; outside a try block that is a 500.
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new PythonError('Expecting value: line 1 column 1 (char 0)')
  }
}

function pythonErrors(handle: () => Reply): Reply {
  try {
    return handle()
  } catch (error) {
    if (error instanceof PythonError) return internalErrorReply()
    throw error
  }
}
