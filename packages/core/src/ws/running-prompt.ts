/**
 * The `type` under which a prompt's listeners get a binary frame its server pushed while running it,
 * with `data: { bytes }`. ComfyUI's preview frames name no prompt: they belong to the one running.
 */
export const BINARY_FRAME = 'binary'

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
  // A node starting says which prompt runs even when its execution_start was missed.
  return type === 'executing' ? promptId : current
}
