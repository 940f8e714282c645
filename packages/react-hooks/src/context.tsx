import type { LoadBalancer } from '@comfy-balancer/core'
import type { BindingBalancer } from '@comfy-balancer/core/internal'
import { createContext, type ReactNode, useContext, useEffect } from 'react'
import { MissingBalancerError } from './errors.js'

/**
 * What the React bindings use of a balancer. A `LoadBalancer` fits, and so does any object with
 * these members (a facade, a test double): the bindings never reach past this list.
 */
export type BalancerLike = BindingBalancer

const BalancerContext = createContext<BalancerLike | null>(null)
BalancerContext.displayName = 'BalancerContext'

/** Props of {@link BalancerProvider}. */
export interface BalancerProviderProps {
  /** The balancer the hooks below read (usually from `createLoadBalancer()`). */
  readonly balancer: BalancerLike
  /**
   * Probe in the background while this provider is mounted (default `true`). Uses the balancer's
   * reference-counted `start()`/`stop()`: probing ends when the last provider (or other starter)
   * lets go. Pass `false` when something else already runs it, e.g. a server process.
   */
  readonly background?: boolean | undefined
  readonly children?: ReactNode | undefined
}

/**
 * Makes a balancer available to the hooks and `<LoadBalancerStatus>` below it, and keeps its
 * background probing running while mounted.
 *
 * @example
 * ```tsx
 * const balancer = createLoadBalancer({ config: { servers: ['http://gpu-a:8188', 'http://gpu-b:8188'] } })
 *
 * createRoot(root).render(
 *   <BalancerProvider balancer={balancer}>
 *     <App />
 *   </BalancerProvider>,
 * )
 * ```
 */
export function BalancerProvider({
  balancer,
  background = true,
  children,
}: BalancerProviderProps): ReactNode {
  useEffect(() => {
    if (!background) return
    balancer.start()
    return () => balancer.stop()
  }, [balancer, background])
  return <BalancerContext.Provider value={balancer}>{children}</BalancerContext.Provider>
}

/** The nearest provider's balancer, or a {@link MissingBalancerError} naming `caller`. */
export function useBalancerFor(caller: string): BalancerLike {
  const balancer = useContext(BalancerContext)
  if (balancer === null) throw new MissingBalancerError(caller)
  return balancer
}

/**
 * The balancer of the nearest `<BalancerProvider>`, for calls the hooks do not wrap
 * (`submit`, `getOptimalServer`, `recordFailure`…). Throws {@link MissingBalancerError} outside one.
 * Typed as a `LoadBalancer`; if you provided another {@link BalancerLike} object, name its type:
 * `useBalancer<MyFacade>()`.
 *
 * @example
 * ```tsx
 * const balancer = useBalancer()
 * const onClick = () => balancer.run(workflow)
 * ```
 */
export function useBalancer<B extends BalancerLike = LoadBalancer>(): B {
  return useBalancerFor('useBalancer()') as B
}
