import { describe, expect, it } from 'vitest'
import { CliUsageError, main, parseCliArgs, USAGE } from '../cli-main'

describe('comfy-sim main(argv)', () => {
  it('starts the servers and prints one line with the URL per server', async () => {
    const lines: string[] = []
    const cluster = await main(
      ['--servers', '3', '--speeds', '1,2,4', '--port', '0', '--time-scale', '0.01', '--cors'],
      { out: (line) => lines.push(line) },
    )
    try {
      expect(cluster!.sims.map((sim) => [sim.name, sim.model.speed])).toEqual([
        ['sim-1', 1],
        ['sim-2', 2],
        ['sim-3', 4],
      ])
      expect(lines[0]).toBe('comfy-sim: 3 simulated ComfyUI servers (time scale 0.01, CORS *)')
      for (const [index, url] of cluster!.urls.entries()) {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        expect(lines[index + 1]).toBe(`sim-${index + 1}  ${url}  speed ${[1, 2, 4][index]}`)
        const response = await fetch(`${url}/system_stats`)
        expect(response.headers.get('access-control-allow-origin')).toBe('*')
      }
      expect(lines.at(-1)).toContain(`${cluster!.urls[0]}/__sim/state`)
    } finally {
      await cluster?.close()
    }
  })

  it('prints the usage for --help and starts nothing', async () => {
    const lines: string[] = []
    expect(await main(['--help'], { out: (line) => lines.push(line) })).toBeUndefined()
    expect(lines).toEqual([USAGE])
  })

  it('rejects mistakes with a CliUsageError', async () => {
    await expect(main(['--servers', '2', '--speeds', '1,2,3'])).rejects.toThrow(CliUsageError)
    await expect(main(['--bogus'])).rejects.toThrow(CliUsageError)
  })
})

describe('parseCliArgs', () => {
  it('numbers ports from --port (default 8188) and repeats a single speed', () => {
    expect(parseCliArgs(['--servers', '4', '--speeds', '1,1,2,4'])!.specs).toEqual([
      { name: 'sim-1', speed: 1, port: 8188 },
      { name: 'sim-2', speed: 1, port: 8189 },
      { name: 'sim-3', speed: 2, port: 8190 },
      { name: 'sim-4', speed: 4, port: 8191 },
    ])
    expect(parseCliArgs(['--servers', '2', '--speeds', '3', '--port', '9000'])!.specs).toEqual([
      { name: 'sim-1', speed: 3, port: 9000 },
      { name: 'sim-2', speed: 3, port: 9001 },
    ])
    expect(parseCliArgs(['--speeds', '1,2', '--names', 'a,b', '--port', '0'])!.specs).toEqual([
      { name: 'a', speed: 1, port: 0 },
      { name: 'b', speed: 2, port: 0 },
    ])
  })

  it('reads the shared options', () => {
    expect(parseCliArgs([])).toEqual({
      specs: [{ name: 'sim-1', speed: 1, port: 8188 }],
      timeScale: 1,
      cors: undefined,
      version: undefined,
      reconnectBug: false,
    })
    expect(
      parseCliArgs([
        '--cors-origin',
        'http://localhost:5173',
        '--time-scale',
        '0.1',
        '--comfy-version',
        '0.3.64',
        '--reconnect-bug',
      ]),
    ).toMatchObject({ cors: 'http://localhost:5173', timeScale: 0.1, version: '0.3.64', reconnectBug: true })
  })

  it.each([
    [['--servers', '0'], /--servers must be an integer/],
    [['--servers', 'two'], /not a number/],
    [['--speeds', '1,-2'], /positive/],
    [['--servers', '3', '--speeds', '1,2'], /2 values for 3 servers/],
    [['--servers', '2', '--names', 'solo'], /one name per server/],
    [['--port', '65535', '--servers', '2'], /no room/],
    [['--time-scale', '0'], /positive/],
    [['extra'], /positional/i],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message)
  })
})
