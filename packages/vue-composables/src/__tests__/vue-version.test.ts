import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref, version } from 'vue'
import { renderToString } from 'vue/server-renderer'

const Probe = defineComponent({
  setup() {
    const count = ref(1)
    return () => h('p', `Vue ${version}, reactivity works: ${count.value}`)
  },
})

describe('the Vue under test', () => {
  it('is the minor this project runs (3.5 by default, 3.3 through the aliases), for Test Utils and the server renderer alike', async () => {
    const minor = process.env.EXPECTED_VUE_MINOR
    expect(minor).toMatch(/^3\.[35]$/)
    expect(version.startsWith(`${minor}.`)).toBe(true)
    // Test Utils mounts with the same copy: a second Vue would not run this component's setup.
    expect(mount(Probe).text()).toBe(`Vue ${version}, reactivity works: 1`)
    expect(await renderToString(h(Probe))).toBe(`<p>Vue ${version}, reactivity works: 1</p>`)
  })
})
