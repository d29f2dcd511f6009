import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml'
import { SMELL_RULE_NAMES, type SmellLevel, type SmellRule } from '../analysis/smells.js'
import { RULE_NAMES, Rule, VULNERABILITY_RULE, type RuleName } from '../constants.js'
import { SEVERITIES, type Severity, type SeverityCounts } from '../scan/trivy-report.js'
import { InputError } from './errors.js'
import { parseCount, parseSize, SizeError } from './size.js'

export type Level = 'error' | 'warning'
export const LEVELS: readonly Level[] = ['error', 'warning']

/** What a limit counts: bytes, layers, or a ratio (0.9 for 90%). */
export type LimitUnit = 'bytes' | 'count' | 'ratio'

export interface BudgetLimit {
  limit: number
  unit: LimitUnit
  level: Level
  /** Where the limit was set, for messages: an input name or `file:line`. */
  source: string
}
/** Most vulnerabilities per severity, of all found or of those with a fix only. */
export interface VulnerabilityBudget {
  limits: Partial<SeverityCounts>
  fixableOnly: boolean
  level: Level
  source: string
}

export type Budgets = Partial<Record<RuleName, BudgetLimit>> & { [VULNERABILITY_RULE]?: VulnerabilityBudget }

/** Parses `critical=0,high=5` (the input's form). */
export function parseVulnerabilityLimits(text: string): Partial<SeverityCounts> {
  const limits: Partial<SeverityCounts> = {}
  for (const item of text.split(/[,\n]/).map(part => part.trim()).filter(Boolean)) {
    const match = /^([a-zA-Z]+)\s*=\s*(\d+)$/.exec(item)
    const severity = match?.[1].toLowerCase()
    if (!match || !(SEVERITIES as readonly string[]).includes(severity!)) {
      throw new SizeError(`"${item}" is not severity=count (severities: ${SEVERITIES.join(', ')})`)
    }
    limits[severity as Severity] = Number(match[2])
  }
  if (Object.keys(limits).length === 0) throw new SizeError(`"${text}" names no severity (critical=0,high=5)`)
  return limits
}

export interface BudgetFile {
  path: string
  defaults: Budgets
  images: Record<string, Budgets>
  /** Levels of smell rules, or `off`. */
  smells: Partial<Record<SmellRule, SmellLevel>>
  /** Globs of image paths that filesystem smells pass over. */
  ignore: string[]
}

const TOP_LEVEL_KEYS = ['version', 'defaults', 'images', 'smells', 'ignore'] as const
const SMELL_LEVELS: readonly SmellLevel[] = ['error', 'warning', 'off']
const RULE_OBJECT_KEYS = ['limit', 'level'] as const

/** A percentage (`10%`) or a fraction (`0.9`) as a ratio. */
export function parseRatio(value: string | number, { allowFraction }: { allowFraction: boolean }): number {
  const text = String(value).trim()
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text)
  const ratio = percent ? Number(percent[1]) / 100 : allowFraction && /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new SizeError(`"${value}" is not ${allowFraction ? 'a percentage or a fraction from 0 to 1 (90% or 0.9)' : 'a percentage from 0% to 100%'}`)
  }
  return ratio
}

/**
 * Parses a rule's limit: a size for size rules, a count for max-layers, a ratio for
 * min-efficiency, and for max-wasted either a size or a percentage of the image's size.
 */
export function parseLimit(rule: RuleName, value: string | number): { limit: number; unit: LimitUnit } {
  switch (rule) {
    case Rule.MaxLayers:
      return { limit: parseCount(value), unit: 'count' }
    case Rule.MinEfficiency:
      return { limit: parseRatio(value, { allowFraction: true }), unit: 'ratio' }
    case Rule.MaxWasted:
    case Rule.MaxSizeIncrease:
      return String(value).trim().endsWith('%')
        ? { limit: parseRatio(value, { allowFraction: false }), unit: 'ratio' }
        : { limit: parseSize(value), unit: 'bytes' }
    default:
      return { limit: parseSize(value), unit: 'bytes' }
  }
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
  const result: BudgetFile = { path, defaults: {}, images: {}, smells: {}, ignore: [] }
  if (doc.contents === null) return result
  if (!isMap(doc.contents)) throw new InputError(`${where(doc.contents)}: the budget file must be a mapping`)

  const fail = (node: Node | null | undefined, key: string, message: string): never => {
    throw new InputError(`${where(node)}: ${key}: ${message}`)
  }
  const keyOf = (pair: Pair): string => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key))
  const valueText = (node: unknown): string =>
    isScalar(node) ? JSON.stringify(node.value) : JSON.stringify((node as Node | null)?.toJSON?.() ?? null)

  const parseVulnerabilityBudget = (node: unknown, key: string): VulnerabilityBudget => {
    if (isScalar(node) && typeof node.value === 'string') {
      try {
        return { limits: parseVulnerabilityLimits(node.value), fixableOnly: false, level: 'error', source: where(node) }
      } catch (error) {
        return fail(node, key, (error as Error).message)
      }
    }
    if (!isMap(node)) return fail(node as Node, key, `must be severity=count pairs or a mapping, got ${valueText(node)}`)
    const budget: VulnerabilityBudget = { limits: {}, fixableOnly: false, level: 'error', source: where(node) }
    for (const inner of node.items) {
      const name = keyOf(inner)
      const value = isScalar(inner.value) ? inner.value.value : undefined
      if ((SEVERITIES as readonly string[]).includes(name)) {
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
          fail(inner.value as Node, `${key}.${name}`, `must be a whole, non-negative number, got ${valueText(inner.value)}`)
        }
        budget.limits[name as Severity] = value as number
      } else if (name === 'fixable-only') {
        if (typeof value !== 'boolean') fail(inner.value as Node, `${key}.${name}`, `must be true or false, got ${valueText(inner.value)}`)
        budget.fixableOnly = value as boolean
      } else if (name === 'level') {
        if (!(LEVELS as readonly unknown[]).includes(value)) fail(inner.value as Node, `${key}.level`, `must be error or warning, got ${valueText(inner.value)}`)
        budget.level = value as Level
      } else {
        fail(inner.key as Node, `${key}.${name}`, `unknown key (expected ${[...SEVERITIES, 'fixable-only', 'level'].join(', ')})`)
      }
    }
    if (Object.keys(budget.limits).length === 0) fail(node, key, 'names no severity')
    return budget
  }

  const parseBudgets = (node: unknown, keyPath: string): Budgets => {
    if (node === null || (isScalar(node) && node.value === null)) return {}
    if (!isMap(node)) return fail(node as Node, keyPath, `must be a mapping of rules, got ${valueText(node)}`)
    const budgets: Budgets = {}
    for (const pair of node.items) {
      const ruleName = keyOf(pair)
      const key = `${keyPath}.${ruleName}`
      if (ruleName === VULNERABILITY_RULE) {
        budgets[VULNERABILITY_RULE] = parseVulnerabilityBudget(pair.value, key)
        continue
      }
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
        budgets[rule] = { ...parseLimit(rule, limitNode.value), level, source: where(limitNode) }
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
    } else if (key === 'smells') {
      if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) continue
      if (!isMap(pair.value)) fail(pair.value as Node, key, `must be a mapping of smell rules to levels, got ${valueText(pair.value)}`)
      for (const smellPair of (pair.value as { items: Pair[] }).items) {
        const rule = keyOf(smellPair)
        if (!(SMELL_RULE_NAMES as readonly string[]).includes(rule)) {
          fail(smellPair.key as Node, `smells.${rule}`, `unknown smell rule (known rules: ${SMELL_RULE_NAMES.join(', ')})`)
        }
        const level = isScalar(smellPair.value) ? smellPair.value.value : undefined
        if (!(SMELL_LEVELS as readonly unknown[]).includes(level)) {
          fail(smellPair.value as Node, `smells.${rule}`, `must be error, warning or off, got ${valueText(smellPair.value)}`)
        }
        result.smells[rule as SmellRule] = level as SmellLevel
      }
    } else if (key === 'ignore') {
      const items = isSeq(pair.value) ? pair.value.items : undefined
      if (!items || items.some(item => !isScalar(item) || typeof item.value !== 'string')) {
        fail(pair.value as Node, key, `must be a list of path globs, got ${valueText(pair.value)}`)
      }
      result.ignore = (items as Array<{ value: string }>).map(item => item.value)
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
