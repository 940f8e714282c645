/**
 * `@comfy-balancer/config`: where a balancer's server list lives — the SQL `system_config` table,
 * environment variables, JSON (object, file or URL) — and `combine()` to layer them. Each source
 * also has its own subpath (`/sql`, `/env`, `/json`) for the smallest bundle.
 */
export { combine } from './combine.js'
export * from './env/index.js'
export * from './json/index.js'
export { isLayered } from './layer/types.js'
export * from './sql/index.js'
