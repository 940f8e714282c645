/**
 * The demo's model files and custom node class, shared by the embedded cluster (which server has
 * what) and the page (what its jobs use). No Node or browser imports: both sides load it.
 */

/** A checkpoint file, its size on disk (about the published file's) and a short label. */
export interface DemoCheckpoint {
  readonly file: string
  readonly bytes: number
  readonly label: string
}

export const CHECKPOINTS = {
  sdxl: { file: 'sd_xl_base_1.0.safetensors', bytes: 6_938_078_334, label: 'SDXL base' },
  sd15: { file: 'v1-5-pruned-emaonly.safetensors', bytes: 4_265_146_304, label: 'SD 1.5' },
  dreamshaper: { file: 'dreamshaper_8.safetensors', bytes: 2_132_625_894, label: 'DreamShaper 8' },
  juggernaut: {
    file: 'juggernautXL_v9Rdphoto2Lightning.safetensors',
    bytes: 7_105_350_536,
    label: 'Juggernaut XL v9',
  },
} as const satisfies Record<string, DemoCheckpoint>

export type CheckpointKey = keyof typeof CHECKPOINTS

/** A custom node class (ssitu's ComfyUI_UltimateSDUpscale) that only some servers have installed. */
export const UPSCALE_NODE = 'UltimateSDUpscale'

/** A checkpoint no demo server has. */
export const MISSING_CHECKPOINT = 'flux1-dev.safetensors'

/** A custom node class no demo server has. */
export const MISSING_NODE = 'SUPIR_Upscale'

/** What one simulated server has: its checkpoints and custom node classes (beside ComfyUI's core nodes). */
export interface ServerCatalog {
  readonly checkpoints: readonly string[]
  readonly customNodes: readonly string[]
}

/** A checkpoint's label, or its file name when it is not one of the demo's. */
export function checkpointLabel(file: string): string {
  return Object.values(CHECKPOINTS).find((checkpoint) => checkpoint.file === file)?.label ?? file
}

/** "SDXL base, DreamShaper 8 · + UltimateSDUpscale · 2 VRAM slots · disk 3.5 GB/s". */
export function describeCatalog(
  catalog: ServerCatalog,
  vramSlots?: number,
  diskBytesPerSecond?: number,
): string {
  const parts = [catalog.checkpoints.map(checkpointLabel).join(', ')]
  if (catalog.customNodes.length > 0) parts.push(`+ ${catalog.customNodes.join(', ')}`)
  if (vramSlots !== undefined) parts.push(`${vramSlots} VRAM slot${vramSlots === 1 ? '' : 's'}`)
  if (diskBytesPerSecond !== undefined) parts.push(`disk ${(diskBytesPerSecond / 1e9).toFixed(1)} GB/s`)
  return parts.join(' · ')
}
