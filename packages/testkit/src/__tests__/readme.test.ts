import { describe, expect, it } from 'vitest'
import { codeSpans, readmeTable } from '../readme'

const markdown = `# pkg

## Errors

Some text.

| Code | Class | When |
| ---- | :---: | ---- |
| \`A_CODE\` | \`AError\` | a \\| b |
| \`B\` / \`C\` | x | y |

After.

## Other

| k | v |
| - | - |
| 1 | 2 |
`

describe('readmeTable', () => {
  it('returns the data rows of the first table under a heading, escaped pipes kept in their cell', () => {
    expect(readmeTable(markdown, 'Errors')).toEqual([
      ['`A_CODE`', '`AError`', 'a | b'],
      ['`B` / `C`', 'x', 'y'],
    ])
    expect(readmeTable(markdown, 'Other')).toEqual([['1', '2']])
  })

  it('names a missing heading or table', () => {
    expect(() => readmeTable(markdown, 'Nope')).toThrow('README has no heading "Nope"')
    expect(() => readmeTable('# t\n\n## Empty\n\ntext\n', 'Empty')).toThrow('no table under "Empty"')
  })

  it('lists the code spans of a cell', () => {
    expect(codeSpans('`probe.flapAfter` / `flapWindowMs`')).toEqual(['probe.flapAfter', 'flapWindowMs'])
    expect(codeSpans('plain')).toEqual([])
  })
})
