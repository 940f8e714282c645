/**
 * `@comfy-balancer/testkit/sim`: simulated ComfyUI servers on real loopback ports (HTTP and
 * WebSocket), built on the same model and routes as the msw handlers. Node only.
 */
export { type SimCluster, type SimClusterOptions, type SimServerSpec, startSimCluster } from './cluster'
export { CONTROL_PREFIX, type SimState } from './control'
export { EXAMPLE_PROMPT, type ExampleRun, runExampleClient } from './example-client'
export { createScaledClock, type ScaledClock, type ScaledClockOptions } from './scaled-clock'
export { type ComfySim, type ComfySimOptions, startComfySim } from './server'
