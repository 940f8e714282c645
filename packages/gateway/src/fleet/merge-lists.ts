import { orderedUnion } from './ordered-union'
import type { ServerAnswer } from './server-answer'

/**
 * `GET /models` for a fleet: every model folder any server registers, the first server's in its
 * order, then the others' new ones. Folders differ between ComfyUI versions and custom nodes
 * (which register their own), and a client may browse any of them.
 */
export function mergeModelFolders(perServer: readonly ServerAnswer<readonly string[]>[]): string[] {
  return orderedUnion(perServer.map((answer) => answer.info))
}

/**
 * `GET /models/{folder}` for a fleet: the files of that folder on every server that has it, in
 * first-seen order. `info` is `undefined` for a server that answered 404 (it does not register the
 * folder). Returns `undefined` when no server has the folder, so the caller answers 404 with an
 * empty body, as ComfyUI itself does for an unknown folder.
 */
export function mergeModelFiles(
  perServer: readonly ServerAnswer<readonly string[] | undefined>[],
): string[] | undefined {
  const lists = perServer.flatMap((answer) => (answer.info === undefined ? [] : [answer.info]))
  return lists.length === 0 ? undefined : orderedUnion(lists)
}

/**
 * `GET /embeddings` for a fleet: every embedding name (without extension) any server has. A prompt
 * that names one is then placed on a server that holds it, as for any model file.
 */
export function mergeEmbeddings(perServer: readonly ServerAnswer<readonly string[]>[]): string[] {
  return orderedUnion(perServer.map((answer) => answer.info))
}

/**
 * `GET /extensions` for a fleet: every front-end extension script URL any server lists, each once.
 * Those URLs are paths on the server that listed them (`/extensions/<node pack>/<file>.js`); the
 * gateway must serve them by asking the servers, which the same node pack on two servers makes
 * one script.
 */
export function mergeExtensions(perServer: readonly ServerAnswer<readonly string[]>[]): string[] {
  return orderedUnion(perServer.map((answer) => answer.info))
}
