import { describe, expect, it } from 'vitest'
import { parseAnnotatedPath } from '../index'

describe('parseAnnotatedPath', () => {
  it('reads folder_paths.annotated_filepath forms, input when not annotated', () => {
    expect(parseAnnotatedPath('cat.png')).toEqual({ type: 'input', subfolder: '', filename: 'cat.png' })
    expect(parseAnnotatedPath('pets/cat.png [output]')).toEqual({
      type: 'output',
      subfolder: 'pets',
      filename: 'cat.png',
    })
    expect(parseAnnotatedPath('a/b/cat (1).png [temp]')).toEqual({
      type: 'temp',
      subfolder: 'a/b',
      filename: 'cat (1).png',
    })
    // An unknown annotation is part of the name, as in ComfyUI.
    expect(parseAnnotatedPath('cat.png [other]')).toEqual({
      type: 'input',
      subfolder: '',
      filename: 'cat.png [other]',
    })
    expect(parseAnnotatedPath('cat.png', 'output').type).toBe('output')
  })
})
