#!/usr/bin/env node
// `npm test`'s pretest step: the suite needs two programs that npm cannot bring, `redis-server` (the
// Redis store's tests start their own on a free 127.0.0.1 port) and Chromium (the demo's page test).
// Where one is missing and this is a Debian-like machine on which we are root, install them with apt;
// anywhere else (or with COMFY_BALANCER_NO_INSTALL set), stop with one line that names the command to run.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

const needs = [
  {
    what: 'redis-server',
    debian: 'redis-server',
    elsewhere: 'brew install redis (or set REDIS_SERVER to a redis-server binary)',
    found: () => (process.env.REDIS_SERVER ? executable(process.env.REDIS_SERVER) : onPath('redis-server')),
  },
  {
    what: 'Chromium',
    debian: 'chromium',
    elsewhere: 'set CHROMIUM_PATH to a Chromium or Chrome binary',
    found: () => executable(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
  },
]

function executable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && executable(join(dir, command)))
}

// `ensure-test-deps.mjs redis-server` checks only what is named (the instances benchmark needs Redis).
const only = process.argv.slice(2)
const wanted = only.length === 0 ? needs : needs.filter((need) => only.includes(need.debian))
const missing = () => wanted.filter((need) => !need.found())

let lacking = missing()
if (lacking.length === 0) process.exit(0)

const names = lacking.map((need) => need.what).join(' and ')
const canApt = process.platform === 'linux' && onPath('apt-get') && process.getuid?.() === 0
if (canApt && process.env.COMFY_BALANCER_NO_INSTALL === undefined) {
  const packages = lacking.map((need) => need.debian)
  console.log(`pretest: ${names} missing; installing with apt-get: ${packages.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const run = (args) => {
    const done = spawnSync('apt-get', args, { stdio: 'inherit', env })
    if (done.status !== 0) {
      console.error(`pretest: \`apt-get ${args.join(' ')}\` failed (exit ${done.status}).`)
      process.exit(1)
    }
  }
  run(['update'])
  run(['install', '-y', '--no-install-recommends', ...packages])
  lacking = missing()
  if (lacking.length === 0) process.exit(0)
}

const sudo = process.getuid?.() === 0 ? '' : 'sudo '
const debianCommand = `${sudo}apt-get install -y ${lacking.map((need) => need.debian).join(' ')}`
console.error(
  `this needs ${lacking.map((need) => need.what).join(' and ')}, not found here: run \`${debianCommand}\` (Debian/Ubuntu), or elsewhere ${lacking.map((need) => need.elsewhere).join('; ')}; then run it again.`,
)
process.exit(1)
