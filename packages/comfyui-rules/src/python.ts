/**
 * Small emulations of the Python semantics server.py applies to parsed JSON bodies. They decide
 * which odd bodies give a 400 and which make the handler raise (aiohttp then answers 500).
 */

import type { JsonObject } from './types'

/**
 * Raised where server.py (or `validate_prompt` outside its own try blocks) would raise: ComfyUI then
 * answers aiohttp's plain-text 500 ("500 Internal Server Error\n\nServer got itself in trouble").
 */
export class PythonError extends Error {
  override readonly name = 'PythonError'
}

/** A JSON object, not an array or null. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Python's `key in value` for parsed JSON: dict keys, list members, substrings; else TypeError. */
export function pyContains(value: unknown, key: string): boolean {
  if (isJsonObject(value)) return Object.hasOwn(value, key)
  if (Array.isArray(value)) return value.includes(key)
  if (typeof value === 'string') return value.includes(key)
  throw new PythonError(`argument of type '${pyTypeName(value)}' is not iterable`)
}

/** Python's `value[key]` on parsed JSON, for a key already known to be present. */
export function pyGet(value: unknown, key: string): unknown {
  if (isJsonObject(value)) return value[key]
  throw new PythonError(`${pyTypeName(value)} indices must be integers`)
}

/** Python truthiness of a parsed JSON value. */
export function pyTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (isJsonObject(value)) return Object.keys(value).length > 0
  return Boolean(value)
}

/** Python's `float()` for a parsed JSON value (finite results only). */
export function pyFloat(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) {
    return Number(value)
  }
  throw new PythonError(`could not convert ${pyTypeName(value)} to float: ${JSON.stringify(value)}`)
}

/** Python's `int()` of a query-string value, as `/history?max_items=` uses it. */
export function pyInt(value: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) {
    throw new PythonError(`invalid literal for int() with base 10: '${value}'`)
  }
  return Number.parseInt(value, 10)
}

/** Python's iteration of a parsed JSON value: list items, dict keys, string characters. */
export function pyIterate(value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  if (isJsonObject(value)) return Object.keys(value)
  if (typeof value === 'string') return Array.from(value)
  throw new PythonError(`'${pyTypeName(value)}' object is not iterable`)
}

/** Python's `repr()` of a parsed JSON value (`'a'`, `None`, `True`, `['a', 1]`, `{'k': 'v'}`). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return reprString(value)
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`
  const entries = Object.entries(value as JsonObject)
  return `{${entries.map(([key, item]) => `${reprString(key)}: ${pyRepr(item)}`).join(', ')}}`
}

/** Python's `str()`: a string as is, anything else as its `repr()`. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value)
}

/** A string's `repr()`: single quotes unless it holds one and no double quote; escapes as Python's. */
function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = quote
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (char === '\\' || char === quote) out += `\\${char}`
    else if (char === '\n') out += '\\n'
    else if (char === '\r') out += '\\r'
    else if (char === '\t') out += '\\t'
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0)) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += char
  }
  return out + quote
}

/** Python's type name of a parsed JSON value (`NoneType`, `bool`, `int`, `float`, `str`, `list`, `dict`). */
export function pyTypeName(value: unknown): string {
  if (value === null) return 'NoneType'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  return Array.isArray(value) ? 'list' : 'dict'
}
