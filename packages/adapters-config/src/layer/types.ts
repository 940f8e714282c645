import type { BalancerConfigInput, ConfigSource } from '@comfy-balancer/core'

/**
 * Settings a source can carry that core's config has no place for. They are kept apart so that
 * `load()` always returns input core's strict schema accepts.
 */
export interface ConfigExtras {
  /**
   * The sticky lock's time to live in ms (`comfyui.lock_ms`, `COMFYUI_LOCK_MS`, `lockMs`; the
   * original design locked a chosen server for 30 s). The lock is a strategy decorator, so pass it
   * on yourself: `sticky(minQueue(), { ttlMs: source.extras.lockMs ?? 30_000 })`; `0` means no lock.
   */
  readonly lockMs?: number
}

/** Part of a config, as one source holds it before it is layered with others and validated. */
export type ConfigLayerInput = Partial<BalancerConfigInput>

/** What a source read, before validation. */
export interface ConfigLayer {
  /** The config fields this source sets; anything may be missing (another layer may set it). */
  readonly config: ConfigLayerInput
  /** Settings outside core's schema. */
  readonly extras: ConfigExtras
  /**
   * Where config paths came from, so errors name the user's key rather than ours: for example
   * `{ 'probe.intervalMs': 'comfyui.probe_interval_ms', 'servers.0': 'comfyui.server_url' }`.
   * Keys are config path prefixes.
   */
  readonly origins: Readonly<Record<string, string>>
}

/**
 * A `ConfigSource` that can also hand out its layer unvalidated (so `combine()` can merge partial
 * sources, such as env vars carrying only secrets) and remembers the extras of its last good load.
 */
export interface LayeredConfigSource extends ConfigSource {
  /** Reads the store without requiring a complete config. Rejects like `load()` on read or parse errors. */
  loadLayer(signal?: AbortSignal): Promise<ConfigLayer>
  /** The extras of the last successful `load()` (empty before it). */
  readonly extras: ConfigExtras
}

/** True when `source` offers {@link LayeredConfigSource.loadLayer}. */
export function isLayered(source: ConfigSource): source is LayeredConfigSource {
  return typeof (source as Partial<LayeredConfigSource>).loadLayer === 'function'
}
