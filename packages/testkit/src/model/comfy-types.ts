/**
 * Wire shapes of the ComfyUI HTTP API (v0.26.0), as the simulated server sends them. They mirror
 * server.py and execution.py; see /work/shared/comfyui-api.md for the sources.
 */

import type { ComfyErrorInfo, JsonObject, NodeError } from '@comfy-balancer/comfyui-rules'

// Validation's shapes live with the rules that make them (`@comfy-balancer/comfyui-rules`).
export type { ComfyErrorInfo, JsonObject, NodeError } from '@comfy-balancer/comfyui-rules'

/** An API-format node: `{ class_type, inputs, _meta? }`. */
export interface PromptNode {
  class_type: string
  inputs?: JsonObject
  _meta?: { title?: string }
  [key: string]: unknown
}

/** An API-format graph keyed by node id. */
export type PromptGraph = Record<string, PromptNode>

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute]`: a queue item as `/queue` and history show it. */
export type QueueItem = [
  number: number,
  promptId: string,
  prompt: PromptGraph,
  extraData: JsonObject,
  outputs: string[],
]

/** `GET /queue`. `queue_pending` is a valid min-heap; sort by elements 0 then 1 for run order. */
export interface QueueSnapshot {
  queue_running: QueueItem[]
  queue_pending: QueueItem[]
}

/** `GET /prompt`, and the `status` WebSocket payload. */
export interface QueueInfo {
  exec_info: { queue_remaining: number }
}

/** `POST /prompt` 200 body. */
export interface PromptAccepted {
  prompt_id: string
  number: number
  node_errors: Record<string, NodeError>
}

/** `POST /prompt` 400 body. */
export interface PromptRejected {
  error: ComfyErrorInfo
  node_errors: Record<string, NodeError>
}

/** One output file reference, as SaveImage reports it. */
export interface OutputFile {
  filename: string
  subfolder: string
  type: 'output' | 'temp' | 'input'
}

/** `[event, data]` pairs recorded by `PromptExecutor.add_message`. */
export type StatusMessage = [event: string, data: JsonObject]

/** History `status` object. `completed` equals success; an interrupt is an error. */
export interface HistoryStatus {
  status_str: 'success' | 'error'
  completed: boolean
  messages: StatusMessage[]
}

/** History `meta` for a node that produced UI output. */
export interface NodeMeta {
  node_id: string
  display_node: string
  parent_node: string | null
  real_node_id: string
}

/** One `GET /history` entry. */
export interface HistoryEntry {
  prompt: QueueItem
  outputs: Record<string, JsonObject>
  status: HistoryStatus
  meta: Record<string, NodeMeta>
}

/** `GET /history` and `GET /history/{id}`: entries keyed by prompt_id (`{}` when unknown). */
export type HistoryResponse = Record<string, HistoryEntry>

/** `GET /api/jobs/{id}` status values. */
export type JobStatusValue = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled'

/** `GET /api/jobs/{id}` body (detail view). Null fields are pruned, as `prune_dict` does. */
export interface JobInfo {
  id: string
  status: JobStatusValue
  priority: number
  create_time?: number
  execution_start_time?: number
  execution_end_time?: number
  execution_error?: JsonObject
  outputs_count: number
  preview_output?: JsonObject
  workflow_id?: string
  outputs?: Record<string, JsonObject>
  execution_status?: HistoryStatus
  workflow?: { prompt: PromptGraph; extra_data: JsonObject }
}

/** One `/system_stats` device entry. */
export interface DeviceStats {
  name: string
  type: string
  index: number | null
  vram_total: number
  vram_free: number
  torch_vram_total: number
  torch_vram_free: number
}

/** `GET /system_stats` (0.26.0 shape). */
export interface SystemStats {
  system: {
    os: string
    ram_total: number
    ram_free: number
    comfyui_version: string
    required_frontend_version: string
    installed_templates_version: string
    required_templates_version: string
    comfy_package_versions: { name: string; installed: string; required: string }[]
    python_version: string
    pytorch_version: string
    embedded_python: boolean
    deploy_environment: string
    argv: string[]
  }
  devices: DeviceStats[]
}
