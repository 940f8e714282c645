import { InvalidArgumentError, type LoadBalancer } from '@comfy-balancer/core'
import type { BindingBalancer } from '@comfy-balancer/core/internal'
import { getCurrentInstance, hasInjectionContext, type InjectionKey, inject, type Plugin, provide } from 'vue'
import { MissingBalancerError } from './errors.js'

/**
 * What the Vue bindings use of a balancer. A `LoadBalancer` fits, and so does any object with these
 * members (a facade, a test double): the bindings never reach past this list.
 */
export type BalancerLike = BindingBalancer

/** Options of {@link createBalancerPlugin} and {@link provideBalancer}. */
export interface BalancerPluginOptions {
  /**
   * Probe in the background while any component uses the balancer's state (default `true`). Each
   * composable holds one reference-counted `start()` and lets go with `stop()` when its component
   * unmounts, so probing ends when the last one does. Pass `false` when something else runs it.
   */
  readonly background?: boolean | undefined
}

interface Provided {
  readonly balancer: BalancerLike
  readonly background: boolean
}

/** The injection key (exported for tests and advanced wiring; prefer the plugin). */
export const balancerKey: InjectionKey<Provided> = Symbol('comfy-balancer')

/**
 * A Vue plugin that makes `balancer` available to every composable and `<LoadBalancerStatus>`
 * of the app.
 *
 * @example
 * ```ts
 * const balancer = createLoadBalancer({ config: { servers: ['http://gpu-a:8188', 'http://gpu-b:8188'] } })
 * createApp(App).use(createBalancerPlugin(balancer)).mount('#app')
 * ```
 */
export function createBalancerPlugin(balancer: BalancerLike, options: BalancerPluginOptions = {}): Plugin {
  return {
    install(app) {
      app.provide(balancerKey, { balancer, background: options.background ?? true })
    },
  }
}

/**
 * Provides `balancer` to this component's descendants (instead of, or overriding, the plugin).
 * Call it in `setup()`.
 *
 * @example
 * ```ts
 * setup() {
 *   provideBalancer(balancer)
 * }
 * ```
 */
export function provideBalancer(balancer: BalancerLike, options: BalancerPluginOptions = {}): void {
  if (getCurrentInstance() === null) {
    throw new InvalidArgumentError("provideBalancer() must be called inside a component's setup().")
  }
  provide(balancerKey, { balancer, background: options.background ?? true })
}

/** The provided balancer, or a {@link MissingBalancerError} naming `caller`. */
export function injectBalancer(caller: string): Provided {
  if (!hasInjectionContext()) throw new MissingBalancerError(caller, 'no-setup')
  const provided = inject(balancerKey, null)
  if (provided === null) throw new MissingBalancerError(caller, 'no-provider')
  return provided
}

/**
 * The provided balancer, for calls the composables do not wrap (`submit`, `run`,
 * `getOptimalServer`…). Typed as a `LoadBalancer`; if you provided another {@link BalancerLike}
 * object, name its type: `useBalancer<MyFacade>()`.
 *
 * @example
 * ```ts
 * const balancer = useBalancer()
 * const generate = () => balancer.run(workflow)
 * ```
 */
export function useBalancer<B extends BalancerLike = LoadBalancer>(): B {
  return injectBalancer('useBalancer()').balancer as B
}
