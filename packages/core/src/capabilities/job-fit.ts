import { NoCapableServerError } from '../errors/capability-errors.js'
import type { ComfyPrompt } from '../jobs/types.js'
import type { Capabilities } from './capabilities.js'
import type { CapabilityBook, Verdict } from './capability-book.js'
import { describeMissing, type JobRequirements, jobRequirements, modelsOf } from './requirements.js'

/**
 * Where a job can run, for the job path and late binding: its requirements checked against each
 * server's capabilities, and the models it would load there.
 */
export class JobFit {
  // One prompt object is checked against every server at every plan while it waits: read its
  // requirements once, and its verdict on a server again only when that server's capabilities change.
  readonly #requirements = new WeakMap<ComfyPrompt, JobRequirements>()
  readonly #models = new WeakMap<ComfyPrompt, readonly string[]>()
  readonly #verdicts = new WeakMap<
    ComfyPrompt,
    Map<string, { of: Capabilities | undefined; verdict: Verdict }>
  >()

  constructor(private readonly book: CapabilityBook) {}

  requirements(prompt: ComfyPrompt): JobRequirements {
    let requirements = this.#requirements.get(prompt)
    if (requirements === undefined) {
      requirements = jobRequirements(prompt)
      this.#requirements.set(prompt, requirements)
    }
    return requirements
  }

  verdict(serverId: string, prompt: ComfyPrompt): Verdict {
    let byServer = this.#verdicts.get(prompt)
    if (byServer === undefined) {
      byServer = new Map()
      this.#verdicts.set(prompt, byServer)
    }
    const of = this.book.get(serverId)
    const known = byServer.get(serverId)
    if (known !== undefined && known.of === of) return known.verdict
    const verdict = this.book.verdict(serverId, this.requirements(prompt))
    byServer.set(serverId, { of, verdict })
    return verdict
  }

  /** Starts the capability reads that are due (late binding calls it once per plan). */
  ensure(serverIds: readonly string[]): void {
    for (const id of serverIds) this.book.ensure(id)
  }

  /** The model files the job loads on this server (as its capabilities name them, else by file name). */
  models(serverId: string | undefined, prompt: ComfyPrompt): readonly string[] {
    if (serverId !== undefined) return modelsOf(this.book.get(serverId), this.requirements(prompt))
    let models = this.#models.get(prompt)
    if (models === undefined) {
      models = modelsOf(undefined, this.requirements(prompt))
      this.#models.set(prompt, models)
    }
    return models
  }

  /** The model files one node of the prompt loads on this server. */
  nodeModels(serverId: string, prompt: ComfyPrompt, nodeId: string): string[] {
    const node = prompt[nodeId]
    if (typeof node !== 'object' || node === null) return []
    return modelsOf(this.book.get(serverId), jobRequirements({ [nodeId]: node } as ComfyPrompt))
  }

  /** The error for a job no server can run, when every one of `serverIds` is known to lack something. */
  noneCan(
    promptId: string,
    prompt: ComfyPrompt,
    serverIds: readonly string[],
  ): NoCapableServerError | undefined {
    if (serverIds.length === 0) return undefined
    const servers = []
    for (const serverId of serverIds) {
      const verdict = this.verdict(serverId, prompt)
      if (verdict.kind !== 'cannot') return undefined
      servers.push({ serverId, missing: verdict.missing.map(describeMissing) })
    }
    return new NoCapableServerError(promptId, servers)
  }

  /** The server refused a prompt for something missing: read what it has again. */
  refused(serverId: string): void {
    this.book.invalidate(serverId)
  }
}
