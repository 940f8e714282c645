import { systemClock } from '@comfy-balancer/core/internal'
import { ChangeFeed, type StartWatching } from '../internal/change-feed.js'
import type { TimerClock } from '../internal/clock.js'
import { abortable, abortError, toLoadError } from '../internal/errors.js'
import { contentHash, UNREADABLE } from '../internal/hash.js'
import { layeredSource } from '../layer/layered-source.js'
import type { LayeredConfigSource } from '../layer/types.js'
import { textToLayer } from './document.js'

/** Options of a JSON file source. */
export interface JsonFileOptions {
  /** Report changes: files through `fs.watch`, URLs by polling (a plain object never changes). Default `false`. */
  readonly watch?: boolean
  /** Quiet time after the last file event before re-reading: editors write in bursts. Default 100. */
  readonly debounceMs?: number
  /** Timer source for debounce, polling and timeouts. Default: core's `systemClock`. */
  readonly clock?: TimerClock
  /** Names the source in errors. Default `json:object`, `json:<path>` or `json:<redacted URL>`. */
  readonly name?: string
}

async function filePath(target: string | URL): Promise<string> {
  if (typeof target === 'string') return target
  const { fileURLToPath } = await import(/* webpackIgnore: true */ 'node:url')
  return fileURLToPath(target)
}

async function readText(target: string | URL): Promise<string> {
  // Loaded only here, so browser bundles of the object and URL paths never pull node:fs in.
  const { readFile } = await import(/* webpackIgnore: true */ 'node:fs/promises')
  return readFile(await filePath(target), 'utf8')
}

/**
 * Watches the file's directory rather than the file: editors and config tools save by writing a
 * temp file and renaming it over the old one, which ends a watch on the file itself.
 */
function watchFile(target: string | URL, clock: TimerClock, debounceMs: number): StartWatching {
  return (observe) => {
    let closed = false
    let watcher: { close(): void } | undefined
    let timer: unknown
    const check = () => {
      void readText(target).then(
        (text) => !closed && observe(contentHash(text)),
        () => !closed && observe(UNREADABLE),
      )
    }
    const schedule = () => {
      clock.clearTimeout(timer)
      timer = clock.setTimeout(check, debounceMs)
    }
    void (async () => {
      const [{ watch }, { basename, dirname, resolve }] = await Promise.all([
        import(/* webpackIgnore: true */ 'node:fs'),
        import(/* webpackIgnore: true */ 'node:path'),
      ])
      const full = resolve(await filePath(target))
      if (closed) return
      const file = basename(full)
      // Not persistent: like the balancer's timers, watching must never keep a process alive by itself.
      const fsWatcher = watch(dirname(full), { persistent: false }, (_event, changed) => {
        if (changed === null || String(changed) === file) schedule()
      })
      fsWatcher.on('error', schedule)
      watcher = fsWatcher
      // A write between the last load and the watcher starting would otherwise go unnoticed.
      check()
    })().catch(() => undefined)
    return () => {
      closed = true
      watcher?.close()
      clock.clearTimeout(timer)
    }
  }
}

/** A source over a JSON file (Node only). */
export function jsonFileSource(target: string | URL, options: JsonFileOptions = {}): LayeredConfigSource {
  const name = options.name ?? `json:${String(target)}`
  const feed = new ChangeFeed(watchFile(target, options.clock ?? systemClock, options.debounceMs ?? 100))
  return layeredSource({
    name,
    loadLayer: async (signal) => {
      if (signal?.aborted) throw abortError(name, signal)
      let text: string
      try {
        text = await abortable(readText(target), name, signal)
      } catch (error) {
        const missing = (error as { code?: unknown } | null)?.code === 'ENOENT'
        if (!signal?.aborted) feed.note(UNREADABLE)
        throw toLoadError(
          name,
          error,
          missing ? '. Create the file or fix the path (relative paths start at process.cwd())' : '',
        )
      }
      feed.note(contentHash(text))
      return textToLayer(text, name)
    },
    subscribe: options.watch ? (onChange) => feed.subscribe(onChange) : undefined,
  })
}
