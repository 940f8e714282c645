import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { SimCluster } from '@comfy-balancer/testkit/sim'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_GPUS, demoPageServers, startDemoCluster } from '../server/cluster.js'
import { startPageServer } from '../server/page-server.js'
import { CHECKPOINTS, MISSING_CHECKPOINT, UPSCALE_NODE } from '../shared/models.js'

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
    servers: demoPageServers(cluster),
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

/** The text of one server's cell of a panel, by the cell's class (`capabilities`, `loaded`, …). */
async function cell(view: string, name: string, part: string): Promise<string | null> {
  return page
    .locator(`#${view}-root tr[data-server-id="${name}"] td.cb-status__${part}`)
    .first()
    .textContent()
}

/** Waits until every server's "Can run" cell shows what its `/object_info` says. */
async function waitForCapabilities(view: string): Promise<void> {
  await page.waitForFunction(
    (root) =>
      [...document.querySelectorAll(`#${root}-root td.cb-status__capabilities`)].filter((td) =>
        /\d+ nodes · \d+ checkpoints?/.test(td.textContent ?? ''),
      ).length === 4,
    view,
    { timeout: 20_000 },
  )
}

/** Which servers may run a job of the table's workflow label (their catalogs say). */
function capableOf(workflow: string): string[] {
  const checkpoint = Object.entries(CHECKPOINTS).find(([, c]) => workflow.startsWith(c.label))
  if (checkpoint === undefined) return DEMO_GPUS.map((gpu) => gpu.name)
  const [key] = checkpoint
  return DEMO_GPUS.filter(
    (gpu) =>
      gpu.checkpoints.some((k) => k === key) &&
      (!workflow.endsWith('+ upscale') || gpu.customNodes.includes(UPSCALE_NODE)),
  ).map((gpu) => gpu.name)
}

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

    // What each server can run, read from its /object_info; nothing loaded yet.
    const headers = await page.$$eval('#react-root thead th', (cells) => cells.map((c) => c.textContent))
    expect(headers).toEqual(expect.arrayContaining(['Can run', 'Loaded']))
    await waitForCapabilities('react')
    expect(await cell('react', 'rtx-3060-a', 'capabilities')).toBe('15 nodes · 3 checkpoints')
    expect(await cell('react', 'rtx-4080', 'capabilities')).toBe('16 nodes · 3 checkpoints')
    expect(await cell('react', 'h100', 'capabilities')).toBe('16 nodes · 2 checkpoints')
    for (const gpu of DEMO_GPUS) expect(await cell('react', gpu.name, 'loaded')).toBe('—')
    expect(await page.textContent('.server-catalog[data-server="rtx-4080"]')).toContain(UPSCALE_NODE)

    // A mix of checkpoints, some upscaled: each job runs only where its checkpoint (and node) is.
    await submit(12, 600)
    await waitForJobs(12)
    const servers = await page.$$eval('#jobs tbody tr td:nth-child(2)', (cells) =>
      cells.map((c) => c.textContent),
    )
    expect(new Set(servers).size).toBeGreaterThan(1)
    const ran = await page.$$eval('#jobs tbody tr', (rows) =>
      (rows as HTMLTableRowElement[]).map((r) => ({
        workflow: r.dataset.workflow!,
        server: r.cells[1]!.textContent!,
      })),
    )
    expect(new Set(ran.map((job) => job.workflow)).size).toBeGreaterThan(3)
    for (const job of ran) expect(capableOf(job.workflow)).toContain(job.server)
    // "Loaded" shows what each GPU's VRAM holds now, as the simulator has it.
    const held = cluster.sims.map((sim) =>
      sim.model.heldModels.length ? sim.model.heldModels.join(', ') : '—',
    )
    expect(held.filter((text) => text !== '—').length).toBeGreaterThan(1)
    await page.waitForFunction(
      (expected) =>
        expected.every(
          ([name, text]) =>
            document.querySelector(`#react-root tr[data-server-id="${name}"] td.cb-status__loaded`)
              ?.textContent === text,
        ),
      DEMO_GPUS.map((gpu, i) => [gpu.name, held[i]!] as const),
      { timeout: 10_000 },
    )

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
    await waitForCapabilities('vue')
    expect(await cell('vue', 'h100', 'capabilities')).toBe('16 nodes · 2 checkpoints')
    expect(await cell('vue', 'h100', 'loaded')).toBe(await cell('react', 'h100', 'loaded'))
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

  it('refuses a job no server can run before sending it, and shows why (NO_CAPABLE_SERVER)', async () => {
    await waitForCapabilities('react')
    const posts: string[] = []
    const onRequest = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/prompt')
        posts.push(request.url())
    }
    page.on('request', onRequest)
    try {
      const refusal = async (kind: string) => {
        await page.selectOption('#impossible-kind', kind)
        // The control clears the last result (and its data-code) when it submits.
        await page.click('#submit-impossible')
        await page.waitForSelector('#impossible-result[data-code]', { timeout: 10_000 })
        return {
          code: await page.getAttribute('#impossible-result', 'data-code'),
          text: (await page.textContent('#impossible-result')) ?? '',
        }
      }
      // SD 1.5 is only on the 3060s and the upscaler only on the 4080 and the H100: never together.
      const apart = await refusal('apart')
      expect(apart.code).toBe('NO_CAPABLE_SERVER')
      expect(apart.text).toMatch(/^NO_CAPABLE_SERVER: No server can run prompt /)
      expect(apart.text).toContain(
        `node class ${UPSCALE_NODE}: on rtx-4080, h100 but not rtx-3060-a, rtx-3060-b`,
      )
      expect(apart.text).toContain(
        `model ${CHECKPOINTS.sd15.file} (CheckpointLoaderSimple.ckpt_name): on rtx-3060-a, rtx-3060-b but not rtx-4080, h100`,
      )
      const nowhere = await refusal('checkpoint')
      expect(nowhere.code).toBe('NO_CAPABLE_SERVER')
      expect(nowhere.text).toContain(
        `model ${MISSING_CHECKPOINT} (CheckpointLoaderSimple.ckpt_name): on no server`,
      )
      const node = await refusal('node')
      expect(node.text).toMatch(/node class SUPIR_Upscale: on no server/)
      expect(node.text).toContain('nothing was queued')
      // Refused in the page, before any POST /prompt.
      expect(posts).toEqual([])
      await page.screenshot({ path: `${results}demo-no-capable-server.png`, fullPage: true })
    } finally {
      page.off('request', onRequest)
    }
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
