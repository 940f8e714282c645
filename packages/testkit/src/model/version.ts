// The version comparison lives with the rules it gates; re-exported for the imports from here.
export { versionAtLeast } from '@comfy-balancer/comfyui-rules'
