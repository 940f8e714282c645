/** A file as ComfyUI's prompts and uploads name it: its folder type, subfolder and name. */
export interface FileRef {
  readonly type: string
  readonly subfolder: string
  readonly filename: string
}

/**
 * `folder_paths.annotated_filepath`: `sub/name.png [output]` → the `output` folder, subfolder `sub`,
 * `name.png`. Without an annotation the file is in `defaultType` (`input`, as `LoadImage` reads it).
 */
export function parseAnnotatedPath(value: string, defaultType = 'input'): FileRef {
  const annotated = /^(.*) \[(input|output|temp)\]$/.exec(value)
  const path = annotated?.[1] ?? value
  const slash = path.lastIndexOf('/')
  const type = annotated?.[2] ?? defaultType
  return slash === -1
    ? { type, subfolder: '', filename: path }
    : { type, subfolder: path.slice(0, slash), filename: path.slice(slash + 1) }
}
