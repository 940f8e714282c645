/**
 * `@comfy-balancer/core/internal`: helpers that our sibling packages (the bindings, the umbrella,
 * testkit, the Redis store) share with core. **Not covered by semver**: anything here may change or
 * go in any release. Apps import from `@comfy-balancer/core` only.
 */
export {}
