import type { GatewayJob } from '../jobs/gateway-job.js'

/** What one gateway tells the others sharing its state. */
export type BusMessage =
  /** A job's state changed (or it was dropped: `job` undefined). */
  | { readonly kind: 'job'; readonly promptId: string; readonly job?: GatewayJob }
  /** Send this to the caller's sockets: a JSON message for a client id, or to all their sockets. */
  | {
      readonly kind: 'json'
      readonly owner: string
      readonly clientId?: string
      readonly type: string
      readonly data: unknown
    }
  | {
      readonly kind: 'binary'
      readonly owner: string
      readonly clientId?: string
      readonly bytes: Uint8Array
    }
  /** The gateway running this prompt: interrupt it, or take it out of the line (`remove`). */
  | { readonly kind: 'interrupt' | 'remove'; readonly promptId: string }
  /** A gateway stopped: the others take over the prompts it was following. */
  | { readonly kind: 'left'; readonly id: string }

/** A channel between gateways sharing one state: each message reaches every other gateway. */
export interface GatewayBus {
  /** This gateway's id: jobs it runs carry it, so the others know whom to ask. */
  readonly id: string
  publish(message: BusMessage): void
  /** Listens to the other gateways' messages (never its own). */
  subscribe(listener: (message: BusMessage) => void): () => void
  /** Whether the gateway with this id is running (it renews a heartbeat). */
  isAlive(id: string): Promise<boolean>
  /** Takes a prompt over from a gateway that is gone; true for exactly one of those that ask. */
  claim(promptId: string): Promise<boolean>
}
