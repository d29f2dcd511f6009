import { isMap, isScalar, LineCounter, parseDocument, type Node, type Pair } from 'yaml'
import { RULE_NAMES, Rule, type RuleName } from '../constants.js'
import { InputError } from './errors.js'
import { parseCount, parseSize, SizeError } from './size.js'

export type Level = 'error' | 'warning'
export const LEVELS: readonly Level[] = ['error', 'warning']

export interface BudgetLimit {
  limit: number
  level: Level
  /** Where the limit was set, for messages: an input name or `file:line`. */
  source: string
}
export type Budgets = Partial<Record<RuleName, BudgetLimit>>

export interface BudgetFile {
  path: string
  defaults: Budgets
  images: Record<string, Budgets>
}

const TOP_LEVEL_KEYS = ['version', 'defaults', 'images'] as const
const RULE_OBJECT_KEYS = ['limit', 'level'] as const

/** Parses a rule's limit: a size for size rules, a count for max-layers. */
export function parseLimit(rule: RuleName, value: string | number): number {
  return rule === Rule.MaxLayers ? parseCount(value) : parseSize(value)
}

/**
 * Parses the budget file. Every problem is an InputError naming the file, the line, the key and the
 * value, so a user can fix it without reading this code.
 */
export function parseBudgetFile(path: string, text: string): BudgetFile {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  const where = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0]
    return offset === undefined ? path : `${path}:${lines.linePos(offset).line}`
  }
  if (doc.errors.length > 0) {
    const first = doc.errors[0]
    throw new InputError(`${path}:${first.linePos?.[0].line ?? 1}: invalid YAML: ${first.message.split('\n')[0]}`)
  }
  const result: BudgetFile = { path, defaults: {}, images: {} }
  if (doc.contents === null) return result
  if (!isMap(doc.contents)) throw new InputError(`${where(doc.contents)}: the budget file must be a mapping`)

  const fail = (node: Node | null | undefined, key: string, message: string): never => {
    throw new InputError(`${where(node)}: ${key}: ${message}`)
  }
  const keyOf = (pair: Pair): string => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key))
  const valueText = (node: unknown): string =>
    isScalar(node) ? JSON.stringify(node.value) : JSON.stringify((node as Node | null)?.toJSON?.() ?? null)

  const parseBudgets = (node: unknown, keyPath: string): Budgets => {
    if (node === null || (isScalar(node) && node.value === null)) return {}
    if (!isMap(node)) return fail(node as Node, keyPath, `must be a mapping of rules, got ${valueText(node)}`)
    const budgets: Budgets = {}
    for (const pair of node.items) {
      const ruleName = keyOf(pair)
      const key = `${keyPath}.${ruleName}`
      if (!(RULE_NAMES as readonly string[]).includes(ruleName)) {
        fail(pair.key as Node, key, `unknown rule (known rules: ${RULE_NAMES.join(', ')})`)
      }
      const rule = ruleName as RuleName
      let limitNode: unknown = pair.value
      let level: Level = 'error'
      if (isMap(pair.value)) {
        for (const inner of pair.value.items) {
          const innerKey = keyOf(inner)
          if (!(RULE_OBJECT_KEYS as readonly string[]).includes(innerKey)) {
            fail(inner.key as Node, `${key}.${innerKey}`, `unknown key (expected ${RULE_OBJECT_KEYS.join(' and ')})`)
          }
        }
        limitNode = pair.value.get('limit', true)
        const levelNode = pair.value.get('level', true)
        if (levelNode !== undefined) {
          const levelValue = isScalar(levelNode) ? levelNode.value : undefined
          if (!(LEVELS as readonly unknown[]).includes(levelValue)) {
            fail(levelNode as Node, `${key}.level`, `must be error or warning, got ${valueText(levelNode)}`)
          }
          level = levelValue as Level
        }
        if (limitNode === undefined) fail(pair.value, key, 'has no limit')
      }
      if (!isScalar(limitNode) || (typeof limitNode.value !== 'string' && typeof limitNode.value !== 'number')) {
        return fail(limitNode as Node, key, `must be a size, a number or { limit, level }, got ${valueText(limitNode)}`)
      }
      try {
        budgets[rule] = { limit: parseLimit(rule, limitNode.value), level, source: where(limitNode) }
      } catch (error) {
        if (error instanceof SizeError) fail(limitNode, key, error.message)
        throw error
      }
    }
    return budgets
  }

  for (const pair of doc.contents.items) {
    const key = keyOf(pair)
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      fail(pair.key as Node, key, `unknown key (expected ${TOP_LEVEL_KEYS.join(', ')})`)
    }
    if (key === 'version') {
      if (!isScalar(pair.value) || pair.value.value !== 1) fail(pair.value as Node, key, `must be 1, got ${valueText(pair.value)}`)
    } else if (key === 'defaults') {
      result.defaults = parseBudgets(pair.value, 'defaults')
    } else if (key === 'images') {
      if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue
      if (!isMap(pair.value)) fail(pair.value as Node, key, `must be a mapping of image names, got ${valueText(pair.value)}`)
      for (const imagePair of (pair.value as { items: Pair[] }).items) {
        const name = keyOf(imagePair)
        result.images[name] = parseBudgets(imagePair.value, `images.${name}`)
      }
    }
  }
  return result
}

/** The budgets of one image: the file's defaults, then its entry for the image, then inline inputs. */
export function budgetsFor(name: string, file: BudgetFile | undefined, inline: Budgets): Budgets {
  return { ...(file?.defaults ?? {}), ...(file?.images[name] ?? {}), ...inline }
}
