import { render, screen } from '@testing-library/react'
import { useState, version } from 'react'
import { version as domVersion } from 'react-dom'
import { describe, expect, it } from 'vitest'

function Probe() {
  const [count] = useState(1)
  return (
    <p>
      React {version}, hooks work: {count}
    </p>
  )
}

describe('the React under test', () => {
  it('is the major this project runs (19 by default, 18 through the aliases), for react, react-dom and Testing Library alike', () => {
    const major = process.env.EXPECTED_REACT_MAJOR
    expect(major).toMatch(/^1[89]$/)
    expect(version.split('.')[0]).toBe(major)
    expect(domVersion.split('.')[0]).toBe(major)
    // Testing Library renders with the same copy: hooks would throw with two Reacts.
    render(<Probe />)
    expect(screen.getByText(/hooks work: 1/).textContent).toContain(`React ${major}.`)
  })
})
