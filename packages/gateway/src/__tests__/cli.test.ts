import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runExampleClient, startSimCluster } from '@comfy-balancer/testkit/sim'
import { describe, expect, it } from 'vitest'
import { parseCliArgs } from '../cli-args.js'
import { startCli } from '../cli-run.js'
import { GatewayOptionsError } from '../errors.js'

describe('comfy-balancer-gateway', () => {
  it('starts on --servers, prints its URL, serves a client, logs the job and stops', async () => {
    const cluster = await startSimCluster([{}, {}], { timeScale: 0.05 })
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-cli-'))
    const lines: string[] = []
    try {
      const gateway = await startCli(
        ['--servers', cluster.urls.join(','), '--port', '0', '--data-dir', dataDir],
        {},
        (line) => lines.push(line),
      )
      expect(gateway?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(lines).toContain(`comfy-balancer gateway listening on ${gateway!.url}`)
      const run = await runExampleClient(gateway!.url)
      expect(lines.some((line) => line.startsWith(`job ${run.promptId} success on `))).toBe(true)
      await gateway!.stop('SIGTERM')
      expect(lines.at(-1)).toMatch(/^SIGTERM: stopping; 0 prompts not finished/)
      await expect(fetch(`${gateway!.url}/healthz`)).rejects.toThrow()
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
      await cluster.close()
    }
  })

  it('names a bad flag, and asks for exactly one config source', () => {
    expect(() => parseCliArgs(['--port', 'x', '--servers', 'http://a'], {})).toThrow(
      /--port must be a whole number/,
    )
    expect(() => parseCliArgs(['--nope'], {})).toThrow(GatewayOptionsError)
    expect(() => parseCliArgs([], {})).toThrow(/exactly one of --servers, --config or --env/)
    const args = parseCliArgs(['--servers', 'http://a:8188, http://b:8188', '--token', 'first-token-1'], {
      GATEWAY_TOKENS: 'second-token-2',
    })
    expect(args.servers).toEqual(['http://a:8188', 'http://b:8188'])
    expect(args.tokens).toEqual(['first-token-1', 'second-token-2'])
    expect(args.dataDir).toBe('comfy-gateway-data')
  })
})
