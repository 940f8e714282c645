/**
 * Reads the tables of a package README, so a test can hold a table of codes or options against the
 * code that defines them: a code or option added to the code and not to the README fails the test.
 */

/** The data rows (cells, trimmed) of the first Markdown table under the heading `heading`. */
export function readmeTable(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n').map((line) => line.trim())
  const at = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, '') === heading)
  if (at < 0) throw new Error(`README has no heading "${heading}"`)
  const table: string[] = []
  for (const line of lines.slice(at + 1)) {
    if (/^#{1,6} /.test(line)) break
    if (line.startsWith('|')) table.push(line)
    else if (table.length > 0) break
  }
  const separator = /^\|(\s*:?-+:?\s*\|)+$/
  if (table.length < 3 || !separator.test(table[1]!))
    throw new Error(`README has no table under "${heading}"`)
  return table.slice(2).map(splitRow)
}

/** The names in backticks in a table cell: `` `probe.cacheMs` / `intervalMs` `` → both. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!)
}

function splitRow(line: string): string[] {
  // An escaped pipe (`\|`) belongs to its cell.
  const inner = line.replace(/^\|/, '').replace(/\|$/, '')
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'))
}
