import type { SystemStats } from './comfy-types'

/** `GET /system_stats` of a single-GPU Linux install, in the v0.26.0 shape. */
export function systemStatsFor(version: string): SystemStats {
  return {
    system: {
      os: 'linux',
      ram_total: 135_089_655_808,
      ram_free: 120_034_566_144,
      comfyui_version: version,
      required_frontend_version: '1.40.0',
      installed_templates_version: '0.10.3',
      required_templates_version: '0.10.3',
      comfy_package_versions: [{ name: 'comfyui-frontend-package', installed: '1.40.0', required: '1.40.0' }],
      python_version: '3.12.3 (main, Nov  6 2025, 13:44:16) [GCC 13.2.0]',
      pytorch_version: '2.9.0+cu128',
      embedded_python: false,
      deploy_environment: 'local-git',
      argv: ['main.py', '--listen', '0.0.0.0', '--port', '8188'],
    },
    devices: [
      {
        name: 'cuda:0 NVIDIA H200 : cudaMallocAsync',
        type: 'cuda',
        index: 0,
        vram_total: 150_754_820_096,
        vram_free: 148_000_000_000,
        torch_vram_total: 0,
        torch_vram_free: 0,
      },
    ],
  }
}
