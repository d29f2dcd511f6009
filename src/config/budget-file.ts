import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Node, type YAMLMap } from 'yaml'
import { SMELL_RULE_NAMES, type SmellLevel, type SmellRule } from '../analysis/smells.js'
import { Input, Rule, RULE_NAMES, VULNERABILITY_RULE, type RuleName } from '../constants.js'
import { parseDriftFrom, type DriftFrom } from '../history/drift.js'
import { parseLimit } from './rules.js'
import { FILE_LIMITS, formatLimit } from '../files/safe-read.js'
import { SEVERITIES, type Severity, type SeverityCounts } from '../scan/trivy-report.js'
import { InputError } from './errors.js'
import { formatSize, SizeError } from './size.js'

export type Level = 'error' | 'warning'
export const LEVELS: readonly Level[] = ['error', 'warning']

/** What a limit counts: bytes, layers, or a ratio (0.9 for 90%). */
export type { LimitUnit } from './rules.js'
import type { LimitUnit } from './rules.js'

export { parseLimit } from './rules.js'

export interface BudgetLimit {
  limit: number
  unit: LimitUnit
  level: Level
  /** Where the limit was set, for messages: an input name or `file:line`. */
  source: string
  /** For max-drift: the reference the growth is measured from. */
  from?: DriftFrom
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
/** max-drift takes its reference beside its limit: `{ limit: 10%, from: 2026-03-01 }`. */
const DRIFT_OBJECT_KEYS = ['limit', 'level', 'from'] as const



/**
 * Entries read (merged ones included) and aliases followed: a real file of 1 MiB needs a tenth,
 * an alias bomb (merges of merges of the same mapping) needs far more.
 */
const MAX_EXPANSION = 1_000_000
/** Merge keys bringing mappings that have merge keys themselves, and so on. */
const MAX_MERGE_DEPTH = 64
const MAX_BUDGET_FILE_BYTES = FILE_LIMITS[Input.BudgetFile]
const SHOWN_VALUE_LENGTH = 80

/** A key and its value in a mapping, after merge keys (`<<: *defaults`) are applied. */
interface Entry {
  key: string
  keyNode: unknown
  value: unknown
}

/**
 * Parses the budget file. Every problem is an InputError naming the file, the line, the key and the
 * value, so a user can fix it without reading this code. Anchors, aliases and merge keys are YAML
 * users share budgets with; they are followed here, counted, so that no file expands beyond a cap.
 * Everything is linear in the file's size: keys are checked for duplicates with a set per mapping
 * (the yaml package's own check compares each key with all before it), and aliases are resolved
 * from an index of anchors made in one pass (its Alias.resolve walks the whole document each time).
 */
export function parseBudgetFile(path: string, text: string): BudgetFile {
  if (text.length > MAX_BUDGET_FILE_BYTES || Buffer.byteLength(text) > MAX_BUDGET_FILE_BYTES) {
    throw new InputError(`${path}: the budget file is ${formatSize(Buffer.byteLength(text))}, more than the ${formatLimit(MAX_BUDGET_FILE_BYTES)} a budget file may hold`)
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false })
  const where = (node: unknown): string => {
    const offset = (node as Node | null | undefined)?.range?.[0]
    return offset === undefined ? path : `${path}:${lines.linePos(offset).line}`
  }
  if (doc.errors.length > 0) {
    const first = doc.errors[0]
    throw new InputError(`${path}:${first.linePos?.[0].line ?? 1}: invalid YAML: ${first.message.split('\n')[0]}`)
  }
  const result: BudgetFile = { path, defaults: {}, images: {}, smells: {}, ignore: [] }
  if (doc.contents === null) return result

  // The anchor an alias names is the last one of that name before it, in document order.
  const anchored = new Map<Alias, Node | undefined>()
  const anchors = new Map<string, Node>()
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) anchored.set(node, anchors.get(node.source))
      else if (node.anchor) anchors.set(node.anchor, node)
    }
  })
  let expansionLeft = MAX_EXPANSION
  const expand = (): void => {
    if (--expansionLeft < 0) throw new InputError(`${path}: aliases and merge keys expand to more than ${MAX_EXPANSION} entries: the budget file is refused`)
  }
  // An alias never names another alias (aliases carry no anchor): one step resolves it.
  const deref = (node: unknown): unknown => {
    if (!isAlias(node)) return node
    expand()
    const target = anchored.get(node)
    if (target === undefined) throw new InputError(`${where(node)}: the alias *${node.source} names no anchor (&${node.source}) before it`)
    return target
  }
  /** The value as the user wrote it, short, however large or aliased it is. */
  const valueText = (node: unknown): string => {
    let budget = 40
    const show = (item: unknown): string => {
      const value = deref(item)
      if (--budget < 0) return '…'
      if (isScalar(value)) return JSON.stringify(value.value) ?? String(value.value)
      if (isSeq(value)) return `[${value.items.slice(0, budget + 1).map(show).join(',')}]`
      if (isMap(value)) return `{${value.items.slice(0, budget + 1).map(pair => `${show(pair.key)}:${show(pair.value)}`).join(',')}}`
      return 'null'
    }
    const shown = show(node)
    return shown.length > SHOWN_VALUE_LENGTH ? `${shown.slice(0, SHOWN_VALUE_LENGTH - 1)}…` : shown
  }
  const fail = (node: unknown, key: string, message: string): never => {
    throw new InputError(`${where(node)}: ${key}: ${message}`)
  }
  const keyOf = (keyNode: unknown): string => {
    const key = deref(keyNode)
    return isScalar(key) ? String(key.value) : valueText(key)
  }
  const isMergeKey = (keyNode: unknown): boolean => isScalar(keyNode) && keyNode.value === '<<' && (keyNode.type === undefined || keyNode.type === 'PLAIN')
  const isEmpty = (node: unknown): boolean => node === null || node === undefined || (isScalar(node) && node.value === null)

  /** The entries of a mapping, its own first, then those its merge keys bring that it does not set. */
  const merging = new Set<YAMLMap>()
  const entriesOf = (map: YAMLMap, keyPath: string): Entry[] => {
    const entries: Entry[] = []
    const seen = new Set<string>()
    const merges: unknown[] = []
    for (const pair of map.items) {
      expand()
      if (isMergeKey(pair.key)) {
        merges.push(pair.value)
        continue
      }
      const key = keyOf(pair.key)
      if (seen.has(key)) throw new InputError(`${where(pair.key)}: invalid YAML: Map keys must be unique ("${key}" is set twice${keyPath ? ` in ${keyPath}` : ''})`)
      seen.add(key)
      entries.push({ key, keyNode: pair.key, value: pair.value })
    }
    if (merges.length === 0) return entries
    const mergeKey = `${keyPath ? `${keyPath}.` : ''}<<`
    if (merging.size >= MAX_MERGE_DEPTH) fail(merges[0], mergeKey, `merge keys bring mappings with merge keys more than ${MAX_MERGE_DEPTH} deep`)
    merging.add(map)
    // Of several merged mappings, the first that sets a key wins, as YAML's merge key says.
    for (const merge of merges) {
      const source = deref(merge)
      for (const item of isSeq(source) ? source.items : [source]) {
        const merged = deref(item)
        if (!isMap(merged)) fail(item, mergeKey, `a merge key takes a mapping or a list of them (<<: *defaults), got ${valueText(item)}`)
        if (merging.has(merged as YAMLMap)) fail(item, mergeKey, `the mapping merges itself (through ${valueText(item)})`)
        for (const entry of entriesOf(merged as YAMLMap, keyPath)) {
          if (seen.has(entry.key)) continue
          seen.add(entry.key)
          entries.push(entry)
        }
      }
    }
    merging.delete(map)
    return entries
  }

  const contents = doc.contents
  if (!isMap(contents)) throw new InputError(`${where(contents)}: the budget file must be a mapping`)

  const parseVulnerabilityBudget = (raw: unknown, key: string): VulnerabilityBudget => {
    const node = deref(raw)
    if (isScalar(node) && typeof node.value === 'string') {
      try {
        return { limits: parseVulnerabilityLimits(node.value), fixableOnly: false, level: 'error', source: where(node) }
      } catch (error) {
        return fail(node, key, (error as Error).message)
      }
    }
    if (!isMap(node)) return fail(node, key, `must be severity=count pairs or a mapping, got ${valueText(node)}`)
    const budget: VulnerabilityBudget = { limits: {}, fixableOnly: false, level: 'error', source: where(node) }
    for (const inner of entriesOf(node, key)) {
      const name = inner.key
      const valueNode = deref(inner.value)
      const value = isScalar(valueNode) ? valueNode.value : undefined
      if ((SEVERITIES as readonly string[]).includes(name)) {
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
          fail(valueNode, `${key}.${name}`, `must be a whole, non-negative number, got ${valueText(valueNode)}`)
        }
        budget.limits[name as Severity] = value as number
      } else if (name === 'fixable-only') {
        if (typeof value !== 'boolean') fail(valueNode, `${key}.${name}`, `must be true or false, got ${valueText(valueNode)}`)
        budget.fixableOnly = value as boolean
      } else if (name === 'level') {
        if (!(LEVELS as readonly unknown[]).includes(value)) fail(valueNode, `${key}.level`, `must be error or warning, got ${valueText(valueNode)}`)
        budget.level = value as Level
      } else {
        fail(inner.keyNode, `${key}.${name}`, `unknown key (expected ${[...SEVERITIES, 'fixable-only', 'level'].join(', ')})`)
      }
    }
    if (Object.keys(budget.limits).length === 0) fail(node, key, 'names no severity')
    return budget
  }

  const parseBudgets = (raw: unknown, keyPath: string): Budgets => {
    const node = deref(raw)
    if (isEmpty(node)) return {}
    if (!isMap(node)) return fail(node, keyPath, `must be a mapping of rules, got ${valueText(node)}`)
    const budgets: Budgets = {}
    for (const entry of entriesOf(node, keyPath)) {
      const ruleName = entry.key
      const key = `${keyPath}.${ruleName}`
      if (ruleName === VULNERABILITY_RULE) {
        budgets[VULNERABILITY_RULE] = parseVulnerabilityBudget(entry.value, key)
        continue
      }
      if (!(RULE_NAMES as readonly string[]).includes(ruleName)) {
        fail(entry.keyNode, key, `unknown rule (known rules: ${RULE_NAMES.join(', ')})`)
      }
      const rule = ruleName as RuleName
      const value = deref(entry.value)
      let limitNode: unknown = value
      let level: Level = 'error'
      let from: DriftFrom | undefined
      const objectKeys: readonly string[] = rule === Rule.MaxDrift ? DRIFT_OBJECT_KEYS : RULE_OBJECT_KEYS
      if (rule === Rule.MaxDrift && !isMap(value)) fail(value, key, 'needs its reference: { limit: 10%, from: 2026-03-01 } (from: a day, a commit or a size like 140MB)')
      if (isMap(value)) {
        const inner = entriesOf(value, key)
        for (const { key: innerKey, keyNode } of inner) {
          if (!objectKeys.includes(innerKey)) {
            fail(keyNode, `${key}.${innerKey}`, `unknown key (expected ${objectKeys.join(', ').replace(/, (\w+)$/, ' and $1')})`)
          }
        }
        const fromEntry = inner.find(item => item.key === 'from')
        if (rule === Rule.MaxDrift) {
          const fromNode = deref(fromEntry?.value)
          if (fromEntry === undefined) fail(value, key, 'has no from (the reference: a day like 2026-03-01, a commit, or a size like 140MB)')
          if (!isScalar(fromNode) || (typeof fromNode.value !== 'string' && typeof fromNode.value !== 'number')) fail(fromNode, `${key}.from`, `must be a day, a commit or a size, got ${valueText(fromNode)}`)
          try {
            from = parseDriftFrom((fromNode as { value: string | number }).value)
          } catch (error) {
            if (error instanceof SizeError) fail(fromNode, `${key}.from`, error.message)
            throw error
          }
        }
        limitNode = deref(inner.find(item => item.key === 'limit')?.value)
        const levelEntry = inner.find(item => item.key === 'level')
        if (levelEntry !== undefined) {
          const levelNode = deref(levelEntry.value)
          const levelValue = isScalar(levelNode) ? levelNode.value : undefined
          if (!(LEVELS as readonly unknown[]).includes(levelValue)) {
            fail(levelNode, `${key}.level`, `must be error or warning, got ${valueText(levelNode)}`)
          }
          level = levelValue as Level
        }
        if (limitNode === undefined) fail(value, key, 'has no limit')
      }
      if (!isScalar(limitNode) || (typeof limitNode.value !== 'string' && typeof limitNode.value !== 'number')) {
        return fail(limitNode, key, `must be a size, a number or { limit, level }, got ${valueText(limitNode)}`)
      }
      try {
        budgets[rule] = { ...parseLimit(rule, limitNode.value), level, source: where(limitNode), ...(from ? { from } : {}) }
      } catch (error) {
        if (error instanceof SizeError) fail(limitNode, key, error.message)
        throw error
      }
    }
    return budgets
  }

  for (const entry of entriesOf(contents, '')) {
    const key = entry.key
    const value = deref(entry.value)
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      fail(entry.keyNode, key, `unknown key (expected ${TOP_LEVEL_KEYS.join(', ')})`)
    }
    if (key === 'version') {
      if (!isScalar(value) || value.value !== 1) fail(value, key, `must be 1, got ${valueText(value)}`)
    } else if (key === 'defaults') {
      result.defaults = parseBudgets(value, 'defaults')
    } else if (key === 'smells') {
      if (isEmpty(value)) continue
      if (!isMap(value)) return fail(value, key, `must be a mapping of smell rules to levels, got ${valueText(value)}`)
      for (const smell of entriesOf(value, key)) {
        const rule = smell.key
        if (!(SMELL_RULE_NAMES as readonly string[]).includes(rule)) {
          fail(smell.keyNode, `smells.${rule}`, `unknown smell rule (known rules: ${SMELL_RULE_NAMES.join(', ')})`)
        }
        const levelNode = deref(smell.value)
        const level = isScalar(levelNode) ? levelNode.value : undefined
        if (!(SMELL_LEVELS as readonly unknown[]).includes(level)) {
          fail(levelNode, `smells.${rule}`, `must be error, warning or off, got ${valueText(levelNode)}`)
        }
        result.smells[rule as SmellRule] = level as SmellLevel
      }
    } else if (key === 'ignore') {
      const items = isSeq(value) ? value.items.map(deref) : undefined
      if (!items || items.some(item => !isScalar(item) || typeof item.value !== 'string')) {
        fail(value, key, `must be a list of path globs, got ${valueText(value)}`)
      }
      result.ignore = (items as Array<{ value: string }>).map(item => item.value)
    } else if (key === 'images') {
      if (isEmpty(value)) continue
      if (!isMap(value)) return fail(value, key, `must be a mapping of image names, got ${valueText(value)}`)
      for (const image of entriesOf(value, key)) {
        // Defined, not assigned: an image may be called `__proto__`.
        Object.defineProperty(result.images, image.key, { value: parseBudgets(image.value, `images.${image.key}`), enumerable: true, writable: true, configurable: true })
      }
    }
  }
  return result
}

/** The budgets of one image: the file's defaults, then its entry for the image, then inline inputs. */
export function budgetsFor(name: string, file: BudgetFile | undefined, inline: Budgets): Budgets {
  const own = file && Object.hasOwn(file.images, name) ? file.images[name] : {}
  return { ...(file?.defaults ?? {}), ...own, ...inline }
}
