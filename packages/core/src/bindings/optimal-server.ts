import type { BalancerSnapshot } from '../balancer/snapshot.js'
import type { ServerSnapshot } from '../contracts/server.js'
import type { JobHints } from '../contracts/strategy.js'
import type { BindingBalancer } from './balancer.js'
import {
  chooseOptimal,
  needsFirstRound,
  type OptimalChoice,
  type OptimalServerStatus,
  optimalStatus,
  type RefreshFailure,
  refreshReporting,
  sameChoice,
} from './optimal-choice.js'

/** What `useOptimalServer` shows in both bindings, `refresh` aside. */
export interface OptimalServerView {
  /**
   * The chosen server's real base URL (with credentials, if configured): use it in requests, do not
   * render it. `undefined` while pending.
   */
  readonly url: string | undefined
  /** The chosen server as it was when chosen (redacted URL: safe to show). `undefined` while pending. */
  readonly server: ServerSnapshot | undefined
  readonly status: OptimalServerStatus
  /** Why the last refresh failed, when `status` is `error`. */
  readonly error: unknown
}

/**
 * Everything `useOptimalServer` does that is not holding state, bound to one balancer. A binding
 * keeps the selected choice and the reported failure in its own reactive state and shows `view` of
 * both.
 */
export interface OptimalServerBinding {
  /** The choice for `snapshot` under `job`: select it on every change. */
  choose(snapshot: BalancerSnapshot, job: JobHints | undefined): OptimalChoice
  /** The selection's equality: a probe that leaves the choice as it was renders nothing. */
  readonly sameChoice: (a: OptimalChoice, b: OptimalChoice) => boolean
  /** Probes every server now; never rejects: the failure (or `null` after a success) goes to `report`. */
  readonly refresh: () => Promise<void>
  /**
   * For a binding that just mounted: starts a first probe round unless one has finished or is
   * running, so a background round is shared instead of doubled.
   */
  readonly startFirstRound: () => void
  view(choice: OptimalChoice, failure: RefreshFailure | null): OptimalServerView
}

/** {@link OptimalServerBinding} for `balancer`, reporting refresh outcomes to `report`. */
export function bindOptimalServer(
  balancer: Pick<BindingBalancer, 'getSnapshot' | 'preview' | 'serverUrl' | 'refresh'>,
  report: (failure: RefreshFailure | null) => void,
): OptimalServerBinding {
  const refresh = refreshReporting(balancer, report)
  return {
    choose: (snapshot, job) => chooseOptimal(balancer, snapshot, job),
    sameChoice,
    refresh,
    startFirstRound: () => {
      if (needsFirstRound(balancer.getSnapshot())) void refresh()
    },
    view: (choice, failure) => ({
      url: choice.url,
      server: choice.server,
      status: optimalStatus(choice, failure),
      error: failure?.error,
    }),
  }
}
