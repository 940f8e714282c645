/**
 * The `type` under which a prompt's listeners get a binary frame its server pushed while running it,
 * with `data: { bytes }`. ComfyUI's preview frames name no prompt: they belong to the one running.
 */
export const BINARY_FRAME = 'binary'

/** Messages only the running prompt sends, naming it: a node starts, or reports a step. */
const STEP_TYPES = new Set(['executing', 'progress', 'progress_state'])

/** Which prompt a server runs after it pushed `type` about `promptId` (`current`: before it). */
export function runningAfter(
  current: string | undefined,
  type: string,
  promptId: string,
  data: Record<string, unknown>,
): string | undefined {
  if (type === 'execution_start') return promptId
  const ended =
    (type === 'executing' && (data.node === null || data.node === undefined)) ||
    type === 'execution_success' ||
    type === 'execution_error' ||
    type === 'execution_interrupted'
  if (ended) return current === promptId ? undefined : current
  // A node starting, or a step of it, says which prompt runs even when its execution_start was
  // missed. A socket that reconnects mid-node hears ComfyUI's replayed `executing` without a
  // prompt id, then only the node's steps: without them, the node's remaining previews would be
  // dropped until the next node starts.
  return STEP_TYPES.has(type) ? promptId : current
}
