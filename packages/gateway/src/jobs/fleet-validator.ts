import { type ObjectInfo, PythonError, validatePrompt } from '@comfy-balancer/comfyui-rules'
import { comboOptions, type FleetInfo, FleetInfoUnavailableError } from '../fleet/index.js'
import type { StoredUpload } from '../state/gateway-store.js'
import type { Uploads } from '../uploads/uploads.js'
import type { PromptValidator } from './accept-prompt.js'

/**
 * Validates a prompt as ComfyUI's `validate_prompt` does, against the fleet's merged `/object_info`
 * (every class some server has; each COMBO list the union): a client sees a broken workflow's 400
 * at once, not later. When no server's `/object_info` can be read the prompt is taken as it is:
 * the server it lands on validates it again.
 */
export function fleetValidator(
  fleet: FleetInfo,
  uploads: Uploads,
  log: (line: string) => void,
): PromptValidator {
  return async (prompt, partialTargets, owner) => {
    let objectInfo: Awaited<ReturnType<FleetInfo['objectInfo']>>
    try {
      objectInfo = await fleet.objectInfo()
    } catch (error) {
      if (!(error instanceof FleetInfoUnavailableError)) throw error
      log(`validation skipped: ${error.message}`)
      return { ok: true, outputs: Object.keys(prompt), nodeErrors: {} }
    }
    try {
      const uploaded = await uploads.neededBy(owner, prompt)
      const verdict = validatePrompt(prompt, objectInfo as ObjectInfo, {
        ...(partialTargets === undefined ? {} : { partialExecutionTargets: [...partialTargets] }),
        ownChecks: imageChecks(objectInfo as ObjectInfo, uploaded),
      })
      return verdict.ok
        ? { ok: true, outputs: verdict.outputs, nodeErrors: verdict.nodeErrors, uploads: uploaded.map(refOf) }
        : { ok: false, error: verdict.error, nodeErrors: verdict.nodeErrors }
    } catch (error) {
      // Where ComfyUI itself crashes (a node that is not an object, …) it answers 500; a client is
      // better served by a 400 that says what is wrong.
      if (!(error instanceof PythonError)) throw error
      const message = error.message
      return {
        ok: false,
        error: { type: 'invalid_prompt', message, details: message, extra_info: {} },
        nodeErrors: {},
      }
    }
  }
}

/**
 * `LoadImage`'s own check, for the fleet: the file is one the caller uploaded through the gateway
 * (it goes to the chosen server first), or one a server lists in its input folder.
 */
function imageChecks(objectInfo: ObjectInfo, uploaded: readonly StoredUpload[]) {
  const mine = new Set(uploaded.flatMap((file) => refsOf(file)))
  const check =
    (className: string) =>
    ({ image }: Readonly<Record<string, unknown>>) => {
      const value = String(image)
      const listed = comboOptions(objectInfo[className]?.input?.required?.image)
      return mine.has(value) || listed?.includes(value) === true || `Invalid image file: ${value}`
    }
  return { LoadImage: check('LoadImage'), LoadImageMask: check('LoadImageMask') }
}

/** The ways a prompt may name an uploaded file: `name`, `sub/name`, with or without `[type]`. */
function refsOf(file: StoredUpload): string[] {
  const path = file.subfolder === '' ? file.filename : `${file.subfolder}/${file.filename}`
  return file.type === 'input' ? [path, `${path} [input]`] : [`${path} [${file.type}]`]
}

function refOf({ type, subfolder, filename }: StoredUpload) {
  return { type, subfolder, filename }
}
