import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { SimCluster } from '@comfy-balancer/testkit/sim'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_GPUS, startDemoCluster } from '../server/cluster.js'
import { startPageServer } from '../server/page-server.js'

const webRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url))
const results = fileURLToPath(new URL('../../test-results/', import.meta.url))

let cluster: SimCluster
let page: Page
let browser: Browser
let closePage: () => Promise<void>
let pageUrl: string

beforeAll(async () => {
  if (!existsSync(`${webRoot}index.html`))
    throw new Error(`Build the page first (npm run build): no ${webRoot}index.html`)
  cluster = await startDemoCluster(1)
  const server = await startPageServer(webRoot, 0, {
    servers: cluster.urls.map((url, i) => ({ url, name: DEMO_GPUS[i]!.name, weight: DEMO_GPUS[i]!.speed })),
    simulated: true,
    submit: true,
  })
  closePage = server.close
  pageUrl = server.url
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  await page.goto(server.url)
  await page.waitForSelector('body[data-ready="true"]')
})

afterAll(async () => {
  await browser?.close()
  await closePage?.()
  await cluster?.close()
})

const row = (view: string, name: string) => `#${view}-root tr[data-server-id] >> text=${name}`
const health = (view: string, name: string) =>
  page.locator(`#${view}-root tr[data-server-id]`, { hasText: name }).first().getAttribute('data-health')

async function submit(jobs: number, workMs: number): Promise<void> {
  await page.fill('#job-count', String(jobs))
  await page.fill('#job-work', String(workMs))
  await page.click('#submit-jobs')
}

async function waitForJobs(done: number): Promise<void> {
  await page.waitForFunction(
    (n) => document.querySelectorAll('#jobs tbody tr[data-status="done"]').length >= n,
    done,
    { timeout: 60_000 },
  )
}

describe('the demo page in a real browser', () => {
  it('shows four healthy servers, spreads jobs, fails over and comes back', async () => {
    await page.waitForFunction(
      () => document.querySelectorAll('#react-root tr[data-health="healthy"]').length === 4,
      null,
      { timeout: 20_000 },
    )
    for (const gpu of DEMO_GPUS) await page.waitForSelector(row('react', gpu.name))

    await submit(12, 600)
    await waitForJobs(12)
    const servers = await page.$$eval('#jobs tbody tr td:nth-child(2)', (cells) =>
      cells.map((c) => c.textContent),
    )
    expect(new Set(servers).size).toBeGreaterThan(1)

    // Take the fast GPU down: the panel marks it unhealthy and new jobs go elsewhere.
    await page.click('button[data-server="h100"][data-action="down"]')
    await page.waitForFunction(
      () =>
        document
          .querySelector('#react-root tr[data-server-id][data-health="unhealthy"]')
          ?.textContent?.includes('h100'),
      null,
      { timeout: 20_000 },
    )
    expect(await health('react', 'h100')).toBe('unhealthy')
    await submit(8, 400)
    await waitForJobs(20)
    const latest = await page.$$eval('#jobs tbody tr', (rows) =>
      rows.slice(0, 8).map((r) => r.querySelector('td:nth-child(2)')?.textContent),
    )
    expect(latest).not.toContain('h100')
    mkdirSync(results, { recursive: true })
    await page.screenshot({ path: `${results}demo-failover.png`, fullPage: true })

    // Bring it back: it is re-admitted once it answers again.
    await page.click('button[data-server="h100"][data-action="up"]')
    await page.waitForFunction(
      () => document.querySelectorAll('#react-root tr[data-health="healthy"]').length === 4,
      null,
      { timeout: 30_000 },
    )

    // The Vue view shows the same balancer, and its failover test moves the next job elsewhere.
    await page.click('#tab-vue')
    await page.waitForFunction(
      () => document.querySelectorAll('#vue-root tr[data-health="healthy"]').length === 4,
      null,
      { timeout: 20_000 },
    )
    const before = await page.textContent('#vue-root .next-server strong')
    await page.click('#vue-test-failover')
    await page.waitForFunction(() =>
      document.querySelector('#vue-failover-result')?.textContent?.includes('Marked'),
    )
    expect(await page.textContent('#vue-failover-result')).toContain(`Marked ${before} failed`)
    // The marked server really is up: it is back after two answered re-probes (about 2 s).
    await page.waitForFunction(
      () => document.querySelectorAll('#vue-root tr[data-health="healthy"]').length === 4,
      null,
      { timeout: 20_000 },
    )
    await page.click('#tab-react')

    // The original design's console helpers work from the page.
    const tested = await page.evaluate(async () => {
      const tools = window as unknown as { testLoadBalancer(): Promise<{ stats: { healthy: boolean }[] }> }
      return (await tools.testLoadBalancer()).stats.map((s) => s.healthy)
    })
    expect(tested).toEqual([true, true, true, true])
    await page.screenshot({ path: `${results}demo.png`, fullPage: true })
  })

  it('ejects a black hole (answers probes, fails every job at once) at its first failed job until a canary runs there; no job fails', async () => {
    await page.click('button[data-server="rtx-4080"][data-action="black-hole"]')
    const settled = '#jobs tbody tr[data-status="done"], #jobs tbody tr[data-status="failed"]'
    const waitSettled = (n: number) =>
      page.waitForFunction(
        (args) => document.querySelectorAll(args[0]).length >= args[1],
        [settled, n] as const,
        {
          timeout: 60_000,
        },
      )
    const before = await page.$$eval('#jobs tbody tr', (rows) => rows.length)
    const failedBefore = await page.$$eval('#jobs tbody tr[data-status="failed"]', (rows) => rows.length)
    await submit(12, 300)
    await waitSettled(before + 12)
    // The jobs it failed ran again on other servers: the page shows every one done.
    const failed = await page.$$eval('#jobs tbody tr[data-status="failed"]', (rows) => rows.length)
    expect(failed).toBe(failedBefore)
    expect(await health('react', 'rtx-4080')).toBe('unhealthy')
    const reason = await page.textContent(
      '#react-root tr[data-server-id][data-health="unhealthy"] td:last-child',
    )
    expect(reason).toMatch(/ejected until a canary prompt runs there \(at most 300 s\): a job failed/)
    // While it is held out, every job lands elsewhere and succeeds.
    await submit(12, 300)
    await waitSettled(before + 24)
    expect(await page.$$eval('#jobs tbody tr[data-status="failed"]', (rows) => rows.length)).toBe(failed)
    const latest = await page.$$eval('#jobs tbody tr', (rows) =>
      rows.slice(0, 12).map((r) => r.querySelector('td:nth-child(2)')?.textContent),
    )
    expect(latest).not.toContain('rtx-4080')
    await page.screenshot({ path: `${results}demo-black-hole.png`, fullPage: true })
    // Fixed: the next canary (every 5 s) runs there, and it is back without a user job spent on it.
    await page.click('button[data-server="rtx-4080"][data-action="up"]')
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#react-root tr[data-server-id]')].some(
          (row) => row.textContent?.includes('rtx-4080') && row.getAttribute('data-health') === 'healthy',
        ),
      undefined,
      { timeout: 30_000 },
    )
  })

  it('runs jobs from the umbrella bundle on a page without crypto.randomUUID (not a secure context)', async () => {
    // As on a page served over plain http from an intranet address: no randomUUID, getRandomValues only.
    const context = await browser.newContext()
    await context.addInitScript(() => {
      Reflect.deleteProperty(Crypto.prototype, 'randomUUID')
    })
    const insecure = await context.newPage()
    const errors: string[] = []
    insecure.on('pageerror', (error) => errors.push(error.message))
    try {
      await insecure.goto(pageUrl)
      await insecure.waitForSelector('body[data-ready="true"]')
      expect(await insecure.evaluate(() => typeof crypto.randomUUID)).toBe('undefined')
      await insecure.fill('#job-count', '3')
      await insecure.fill('#job-work', '300')
      await insecure.click('#submit-jobs')
      await insecure.waitForFunction(
        () => document.querySelectorAll('#jobs tbody tr[data-status="done"]').length >= 3,
        null,
        { timeout: 60_000 },
      )
      const ids = await insecure.$$eval('#jobs tbody tr[data-status="done"]', (rows) =>
        rows.map((row) => row.getAttribute('data-prompt-id')),
      )
      expect(errors).toEqual([])
      for (const id of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    } finally {
      await context.close()
    }
  })
})
