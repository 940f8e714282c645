import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { codeSpans, readmeTable } from '@comfy-balancer/testkit'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { balancerConfigSchema } from '../config/schema.js'
import * as core from '../index.js'

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')

/**
 * Every option of the config schema that a user sets (`probe.cacheMs`, `servers[].url`: not the
 * groups `probe` or `jobs` themselves), with its allowed values when it is an enum.
 */
function optionPaths(schema: z.ZodType, path: string, out: Map<string, string[]>): Map<string, string[]> {
  const def = (schema as unknown as { def: { type: string } }).def
  const node = schema as unknown as Record<string, unknown>
  switch (def.type) {
    case 'optional':
    case 'default':
      return optionPaths((node.unwrap as () => z.ZodType)(), path, out)
    case 'object':
      for (const [key, field] of Object.entries(node.shape as Record<string, z.ZodType>)) {
        const child = path === '' ? key : `${path}.${key}`
        if (!isObject(field)) out.set(child, [])
        optionPaths(field, child, out)
      }
      return out
    case 'array':
      return optionPaths(node.element as z.ZodType, `${path}[]`, out)
    case 'union':
      for (const option of node.options as z.ZodType[]) optionPaths(option, path, out)
      return out
    case 'enum':
      out.set(path, (node.options as string[]).map(String))
      return out
    default:
      return out
  }
}

function isObject(schema: z.ZodType): boolean {
  const def = (schema as unknown as { def: { type: string } }).def
  if (def.type === 'optional' || def.type === 'default')
    return isObject((schema as unknown as { unwrap: () => z.ZodType }).unwrap())
  return def.type === 'object'
}

/** The members of the `ComfyBalancerErrorCode` union, read from its source. */
function errorCodes(): string[] {
  const file = fileURLToPath(new URL('../errors/base.ts', import.meta.url))
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const codes: string[] = []
  source.forEachChild((node) => {
    if (ts.isTypeAliasDeclaration(node) && node.name.text === 'ComfyBalancerErrorCode') {
      const visit = (type: ts.Node): void => {
        if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) codes.push(type.literal.text)
        type.forEachChild(visit)
      }
      visit(node.type)
    }
  })
  return codes
}

describe('the README tables match the code', () => {
  it('the Config table has one row per option, with every allowed value of an enum option', () => {
    const rows = readmeTable(readme, 'Config')
    const documented = new Map(rows.map((row) => [codeSpans(row[0] ?? '')[0] ?? row[0], row] as const))
    const options = optionPaths(balancerConfigSchema, '', new Map())
    const missing = [...options.keys()].filter((path) => !documented.has(path))
    expect(missing, 'options missing from the README Config table').toEqual([])
    const stale = [...documented.keys()].filter((path) => !options.has(path as string))
    expect(stale, 'README Config rows for options the schema does not have').toEqual([])
    for (const [path, values] of options) {
      const type = documented.get(path)?.[1] ?? ''
      for (const value of values) expect(type, `${path} allows '${value}'`).toContain(`'${value}'`)
    }
  })

  it('the Errors table lists every error code once, with a class the package exports', () => {
    const rows = readmeTable(readme, 'Errors')
    const listed = rows.map((row) => codeSpans(row[0] ?? '')[0])
    expect([...listed].sort()).toEqual([...errorCodes()].sort())
    for (const row of rows) {
      const className = codeSpans(row[1] ?? '')[0] ?? ''
      expect(typeof (core as Record<string, unknown>)[className], `${className} is exported`).toBe('function')
    }
  })
})
