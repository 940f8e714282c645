#!/usr/bin/env node
// Counts the names a package entry exports, split into values (functions, classes, constants) and
// types, so the size of a public surface is a number anyone can reproduce:
//   node packages/core/scripts/count-exports.mjs [entry.ts ...] [--list]
// Without an entry it counts core's main entry. Uses the TypeScript compiler, so `export *` and
// re-exports are followed exactly as a consumer would see them.
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const args = process.argv.slice(2)
const list = args.includes('--list')
const entries = args.filter((a) => a !== '--list')
if (entries.length === 0) entries.push(fileURLToPath(new URL('../src/index.ts', import.meta.url)))

const program = ts.createProgram(entries, {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  customConditions: ['@comfy-balancer/source'],
  allowImportingTsExtensions: true,
  noEmit: true,
  skipLibCheck: true,
})
const checker = program.getTypeChecker()

for (const entry of entries) {
  const file = program.getSourceFile(entry)
  if (file === undefined) throw new Error(`Cannot read ${entry}: pass a path to a .ts entry file.`)
  const moduleSymbol = checker.getSymbolAtLocation(file)
  const exports = moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol)
  const values = []
  const types = []
  for (const symbol of exports) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    // A class is both; it counts as a value because it exists at run time.
    ;(target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name)
  }
  console.log(`${entry}: ${exports.length} names (${values.length} values, ${types.length} types)`)
  if (list) {
    console.log(`  values: ${values.sort().join(', ')}`)
    console.log(`  types: ${types.sort().join(', ')}`)
  }
}
