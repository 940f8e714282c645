import { isJsonObject } from '@comfy-balancer/comfyui-rules'
import type { HistoryEntry, JobInfo, JobStatusValue, JsonObject, QueueItem } from './comfy-types'

// comfy_execution/jobs.py PREVIEWABLE_MEDIA_TYPES.
const PREVIEWABLE_MEDIA_TYPES = new Set(['images', 'video', 'audio', '3d', 'text'])

/** `normalize_queue_item` for a pending or running job (jobs.py, v0.26). */
export function jobFromQueue(item: QueueItem, status: JobStatusValue): JobInfo {
  const [priority, id, , extraData] = item
  return pruned({
    id,
    status,
    priority,
    create_time: numberOrUndefined(extraData.create_time),
    outputs_count: 0,
    workflow_id: workflowId(extraData),
  })
}

/** `normalize_history_item(include_outputs=True)`: the detail view of a finished job. */
export function jobFromHistory(id: string, entry: HistoryEntry): JobInfo {
  const [priority, , prompt, extraData] = entry.prompt
  let start: number | undefined
  let end: number | undefined
  let error: JsonObject | undefined
  let interrupted = false
  for (const [event, data] of entry.status.messages) {
    if (event === 'execution_start') start = numberOrUndefined(data.timestamp)
    if (event === 'execution_success' || event === 'execution_error' || event === 'execution_interrupted') {
      end = numberOrUndefined(data.timestamp)
      if (event === 'execution_error') error = data
      if (event === 'execution_interrupted') interrupted = true
    }
  }
  const failedStatus: JobStatusValue = interrupted ? 'cancelled' : 'failed'
  const { count, preview } = outputsSummary(entry.outputs)
  return structuredClone(
    pruned({
      id,
      status: entry.status.status_str === 'error' ? failedStatus : 'completed',
      priority,
      create_time: numberOrUndefined(extraData.create_time),
      execution_start_time: start,
      execution_end_time: end,
      execution_error: error,
      outputs_count: count,
      preview_output: preview,
      workflow_id: workflowId(extraData),
      outputs: entry.outputs,
      execution_status: entry.status,
      workflow: { prompt, extra_data: extraData },
    }),
  )
}

/** `get_outputs_summary`, without the text and 3D special cases the simulator never produces. */
function outputsSummary(outputs: Record<string, JsonObject>): { count: number; preview?: JsonObject } {
  let count = 0
  let preview: JsonObject | undefined
  let fallback: JsonObject | undefined
  for (const [nodeId, nodeOutputs] of Object.entries(outputs)) {
    for (const [mediaType, items] of Object.entries(nodeOutputs)) {
      if (mediaType === 'animated' || !Array.isArray(items)) continue
      for (const item of items) {
        if (!isJsonObject(item)) continue
        count++
        if (preview !== undefined || !PREVIEWABLE_MEDIA_TYPES.has(mediaType)) continue
        const enriched = { ...item, nodeId, mediaType }
        if (item.type === 'output') preview = enriched
        else fallback ??= enriched
      }
    }
  }
  const best = preview ?? fallback
  return best === undefined ? { count } : { count, preview: best }
}

function workflowId(extraData: JsonObject): string | undefined {
  const pngInfo = isJsonObject(extraData.extra_pnginfo) ? extraData.extra_pnginfo : {}
  const workflow = isJsonObject(pngInfo.workflow) ? pngInfo.workflow : {}
  return typeof workflow.id === 'string' ? workflow.id : undefined
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined
}

// prune_dict: drop the fields that would be None in Python.
function pruned(job: Record<string, unknown>): JobInfo {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(job)) if (value !== undefined && value !== null) out[key] = value
  return out as unknown as JobInfo
}
