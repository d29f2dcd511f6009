import * as path from 'node:path'
import { DEFAULT_BUDGET_FILE, Input, Rule, VULNERABILITY_RULE, type InputName } from '../constants.js'
import { needsHistory, parseDriftFrom } from '../history/drift.js'
import { BUDGET_RULES } from './rules.js'
import { budgetsFor, parseBudgetFile, parseLimit, parseVulnerabilityLimits, type BudgetFile, type Budgets } from './budget-file.js'
import type { SmellSettings } from '../analysis/smells.js'
import { InputError } from './errors.js'
import type { Inputs } from './inputs.js'
import { SizeError } from './size.js'

export interface Secret {
  id: string
  value: string
}
export interface SecretFile {
  id: string
  path: string
}

/** Everything the pipeline needs, validated: inputs, the budget file and the values derived from them. */
export interface Config {
  inputs: Inputs
  name: string
  budgets: Budgets
  budgetFile?: string
  /** The image keys of the budget file's `images:` section. */
  budgetFileImages?: string[]
  smells: SmellSettings
  secrets: Secret[]
  secretFiles: SecretFile[]
}

/** The file system reads that configuration needs, passed in so the core stays pure. */
export interface ConfigFiles {
  cwd: string
  readText(file: string): Promise<string>
  exists(file: string): Promise<boolean>
}


const PLATFORM_PATTERN = /^[a-z0-9_-]+\/[a-z0-9_-]+(\/[a-z0-9_.-]+)?$/i

export function inlineBudgets(inputs: Inputs): Budgets {
  const budgets: Budgets = {}
  if (inputs['max-vulnerabilities'] !== '') {
    try {
      const limits = parseVulnerabilityLimits(inputs['max-vulnerabilities'])
      budgets[VULNERABILITY_RULE] = { limits, fixableOnly: false, level: 'error', source: `input ${Input.MaxVulnerabilities}` }
    } catch (error) {
      if (error instanceof SizeError) throw new InputError(`Input "${Input.MaxVulnerabilities}": ${error.message}`)
      throw error
    }
  }
  for (const { rule, input } of BUDGET_RULES) {
    const raw = inputs[input as keyof Inputs] as string
    if (raw === '') continue
    try {
      budgets[rule] = { ...parseLimit(rule, raw), level: 'error', source: `input ${input}` }
    } catch (error) {
      if (error instanceof SizeError) throw new InputError(`Input "${input}": ${error.message}`)
      throw error
    }
  }
  const drift = budgets[Rule.MaxDrift]
  if (drift && inputs['drift-from'] === '') throw new InputError(`Input "${Input.MaxDrift}": "${inputs['max-drift']}" needs its reference in "${Input.DriftFrom}" (a day like 2026-03-01, a commit, or a size like 140MB)`)
  if (!drift && inputs['drift-from'] !== '') throw new InputError(`Input "${Input.DriftFrom}": "${inputs['drift-from']}" is the reference of "${Input.MaxDrift}", which is not given`)
  if (drift) {
    try {
      drift.from = parseDriftFrom(inputs['drift-from'])
    } catch (error) {
      if (error instanceof SizeError) throw new InputError(`Input "${Input.DriftFrom}": ${error.message}`)
      throw error
    }
  }
  return budgets
}

/** A reference only the history knows (a commit, a day) with no history to read is refused before anything runs. */
function checkDriftReference(budgets: Budgets, inputs: Inputs): void {
  const from = budgets[Rule.MaxDrift]?.from
  if (from && needsHistory(from) && inputs.history === 'none') {
    const source = budgets[Rule.MaxDrift]!.source
    throw new InputError(`${source.startsWith('input ') ? `Input "${Input.DriftFrom}"` : source}: the reference of ${Rule.MaxDrift}, "${from.text}", is a ${from.kind} that only the history knows: set "${Input.History}: branch", or pin a size (140MB)`)
  }
}

function parseKeyValues(input: InputName, items: string[]): Array<{ key: string; value: string }> {
  return items.map(item => {
    const separator = item.indexOf('=')
    if (separator <= 0) throw new InputError(`Input "${input}": "${maskValue(item)}" is not of the form id=value`)
    return { key: item.slice(0, separator).trim(), value: item.slice(separator + 1) }
  })
}

/** Never echo a secret back in an error: keep the id, hide the rest. */
function maskValue(item: string): string {
  const separator = item.indexOf('=')
  return separator > 0 ? `${item.slice(0, separator)}=***` : '***'
}

/**
 * The default display name: the Dockerfile's path without "Dockerfile", or the folder's name for a
 * Dockerfile at the root, plus the target; the image reference when measuring an existing image.
 */
export function defaultName(inputs: Inputs, cwd: string): string {
  if (inputs.image !== '') return inputs.image
  const file = inputs.file !== '' ? inputs.file : path.join(inputs.context, 'Dockerfile')
  const relative = path.relative(cwd, path.resolve(cwd, file)).split(path.sep).join('/')
  const directory = path.posix.dirname(relative)
  const base = path.posix.basename(relative)
  const stem = base === 'Dockerfile' ? '' : base.replace(/^Dockerfile\.|\.Dockerfile$/i, '')
  let name = [directory === '.' ? '' : directory, stem].filter(Boolean).join('/')
  if (name === '' || name.startsWith('..')) name = path.basename(cwd)
  return inputs.target !== '' ? `${name}-${inputs.target}` : name
}

/** The image's name: the `name` input, or its default. */
export function imageName(inputs: Inputs, cwd: string): string {
  return inputs.name !== '' ? inputs.name : defaultName(inputs, cwd)
}

export async function loadConfig(inputs: Inputs, files: ConfigFiles): Promise<Config> {
  for (const platform of inputs.platforms) {
    if (!PLATFORM_PATTERN.test(platform)) {
      throw new InputError(`Input "${Input.Platforms}": "${platform}" is not a platform like linux/amd64 or linux/arm/v7`)
    }
  }
  if (inputs.push && inputs.tags.length === 0 && inputs.image === '') {
    throw new InputError(`Input "${Input.Push}" is true but "${Input.Tags}" is empty: name the image to push`)
  }
  const secrets = parseKeyValues(Input.Secrets, inputs.secrets).map(({ key, value }) => ({ id: key, value }))
  const secretFiles = parseKeyValues(Input.SecretFiles, inputs['secret-files']).map(({ key, value }) => ({
    id: key,
    path: path.resolve(files.cwd, value)
  }))
  const inline = inlineBudgets(inputs)

  let budgetFile: BudgetFile | undefined
  const explicitFile = inputs['budget-file']
  const budgetPath = path.resolve(files.cwd, explicitFile !== '' ? explicitFile : DEFAULT_BUDGET_FILE)
  if (explicitFile !== '' || (await files.exists(budgetPath))) {
    let text: string
    try {
      text = await files.readText(budgetPath)
    } catch (error) {
      throw new InputError(`Input "${Input.BudgetFile}": cannot read "${explicitFile || DEFAULT_BUDGET_FILE}" (${(error as Error).message})`)
    }
    budgetFile = parseBudgetFile(path.relative(files.cwd, budgetPath) || budgetPath, text)
  }

  const name = imageName(inputs, files.cwd)
  const budgets = budgetsFor(name, budgetFile, inline)
  checkDriftReference(budgets, inputs)
  return {
    inputs,
    name,
    budgets,
    budgetFile: budgetFile?.path,
    ...(budgetFile ? { budgetFileImages: Object.keys(budgetFile.images) } : {}),
    smells: { levels: budgetFile?.smells ?? {}, ignore: budgetFile?.ignore ?? [] },
    secrets,
    secretFiles
  }
}
