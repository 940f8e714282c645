import { type Clock, systemClock } from '../contracts/clock.js'
import { consoleLogger } from '../contracts/logger.js'
import type { ComfyBalancerError } from '../errors/base.js'
import { InvalidArgumentError } from '../errors/server-errors.js'
import { toComfyBalancerError } from '../errors/to-error.js'
import { randomUuid } from '../util/random-uuid.js'
import { redactText } from '../util/redact.js'
import { OnDemandSocketHub } from '../ws/on-demand-hub.js'
import { defaultWebSocketFactory } from '../ws/web-socket.js'
import { BackgroundRefresher } from './background.js'
import { ChoiceEffects } from './choice-effects.js'
import { Chooser } from './chooser.js'
import { applyConfig } from './config-applier.js'
import { ConfigLoader } from './config-loader.js'
import { EventHub } from './events.js'
import { Freshness } from './freshness.js'
import { HealthMonitor } from './health-monitor.js'
import { Lifetime } from './lifetime.js'
import { minQueue } from './min-queue.js'
import type { LoadBalancerOptions } from './options.js'
import type { BalancerParts } from './parts.js'
import { withInFlight } from './server-reducer.js'
import { ServerRegistry } from './server-registry.js'
import { SharedState } from './shared-state.js'
import { BalancerStore } from './store.js'
import { wireWorkflowRouting } from './workflow-wiring.js'

/** A balancer's parts plus the three that act on their own: choosing, freshness, background probing. */
export interface WiredBalancer extends BalancerParts {
  readonly chooser: Chooser
  readonly freshness: Freshness
  readonly background: BackgroundRefresher
}

/**
 * Builds every part of a balancer from its options, with the defaults filled in. Nothing starts
 * yet: no config is applied, no source loaded, nothing probed (the balancer does that once built).
 */
export function wireBalancer(options: LoadBalancerOptions): WiredBalancer {
  if ((options.config === undefined) === (options.source === undefined)) {
    throw new InvalidArgumentError('createLoadBalancer needs exactly one of `config` or `source`.')
  }
  const clock: Clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const logger = options.logger ?? consoleLogger('warn')
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const strategy = options.strategy ?? minQueue()
  const lifetime = new Lifetime()
  const servers = new ServerRegistry()
  const events = new EventHub(
    (error, name) =>
      logger.error(`an "${name}" event handler threw; the balancer carried on`, { error: describe(error) }),
    logger,
  )
  const store = new BalancerStore(
    { primaryId: '', strategy: strategy.name, refreshing: false, running: false },
    (error) => logger.error('a snapshot listener threw; the balancer carried on', { error: describe(error) }),
    logger,
  )
  const reportError = (error: ComfyBalancerError, message?: string, serverId?: string): void => {
    logger.warn(message ?? error.message, message ? { error: error.message } : undefined)
    events.emit('error', serverId === undefined ? { error } : { error, serverId })
  }
  // Created below; the parts built before it reach it only through closures run later.
  let shared: SharedState | undefined
  const effects: ChoiceEffects = new ChoiceEffects(store, events, logger, strategy, (id, ttlMs) =>
    shared?.lock(id, ttlMs).then((held) => {
      if (held && !lifetime.ended) effects.follow(held.serverId, held.until)
    }),
  )
  const monitor = new HealthMonitor({
    clock,
    random,
    fetch,
    logger,
    store,
    events,
    config: () => servers.config,
    serverConfig: (id) => servers.serverConfig(id),
    counter: (id) => servers.counter(id),
    reportError: (error, serverId) => reportError(error, undefined, serverId),
    shared: () => shared,
  })
  const webSocket = options.webSocket ?? defaultWebSocketFactory()
  const newPromptId = options.createPromptId ?? (() => randomUuid())
  const clientId = `comfy-balancer-${newPromptId().replaceAll('-', '').slice(0, 16)}`
  shared = options.stateStore
    ? new SharedState(options.stateStore, {
        clock,
        logger,
        events,
        ownerId: clientId,
        config: () => servers.config,
        counter: (id) => servers.counter(id),
        inFlightChanged: (id) => {
          const counter = servers.counter(id)
          if (counter) store.update(id, (s) => withInFlight(s, counter.total))
        },
        remoteProbe: (record) => monitor.remoteProbe(record),
        remoteMark: (mark) => monitor.remoteMark(mark),
      })
    : undefined
  const sockets = new OnDemandSocketHub({
    clock,
    random,
    logger,
    store,
    factory: webSocket,
    clientId,
    ids: () => servers.ids(),
    target: (id) => servers.target(id),
    counter: (id) => servers.counter(id),
    progressed: (id) => monitor.progressed(id),
  })
  const { capabilities, fit, models } = wireWorkflowRouting({
    clock,
    fetch,
    logger,
    store,
    events,
    servers,
    sockets,
    reportError,
  })
  const source = options.source
  const loader = source
    ? new ConfigLoader(
        source,
        lifetime.signal,
        (config) => applyConfig(parts, config),
        (error) => reportError(error, `config from ${source.name} rejected; keeping the last good config`),
      )
    : undefined
  const ready = async (): Promise<void> => {
    lifetime.assertLive('wait for config')
    if (loader && !servers.config) await loader.ensureLoaded()
  }
  const parts: BalancerParts = {
    clock,
    random,
    logger,
    fetch,
    strategy,
    clientId,
    newPromptId,
    lifetime,
    events,
    store,
    servers,
    monitor,
    effects,
    shared,
    sockets,
    capabilities,
    fit,
    models,
    loader,
    ready,
    reportError,
  }
  const freshness = new Freshness(parts)
  const background = new BackgroundRefresher(
    clock,
    random,
    () => ({
      intervalMs: servers.config?.probe.intervalMs ?? 15_000,
      jitter: servers.config?.probe.jitter ?? 0.1,
    }),
    () => freshness.refresh(),
    (error) => reportError(toComfyBalancerError(error, 'background refresh failed')),
  )
  return { ...parts, chooser: new Chooser(parts, freshness), freshness, background }
}

function describe(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error))
}
