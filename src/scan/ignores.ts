import { parse } from 'yaml'
import type { VulnerabilityFinding } from './trivy-report.js'

/** One suppression from a .trivyignore or .trivyignore.yaml file. */
export interface IgnoreRule {
  id: string
  /** The last day the rule suppresses (YYYY-MM-DD); after it, the finding counts again. */
  expires?: string
  /** Only for findings in these targets (yaml `paths`). */
  paths?: string[]
  source: string
}

export class IgnoreFileError extends Error {}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/** The plain format: `CVE-2023-1234 exp:2025-01-31`, comments after `#`. */
export function parsePlainIgnores(text: string, source: string): IgnoreRule[] {
  const rules: IgnoreRule[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') return
    const [id, ...options] = line.split(/\s+/)
    const rule: IgnoreRule = { id, source: `${source}:${index + 1}` }
    for (const option of options) {
      const expiry = /^exp:(.*)$/.exec(option)
      if (!expiry) continue
      if (!DATE.test(expiry[1])) throw new IgnoreFileError(`${source}:${index + 1}: "${option}" is not exp:YYYY-MM-DD`)
      rule.expires = expiry[1]
    }
    rules.push(rule)
  })
  return rules
}

/** The YAML format: `vulnerabilities: [{ id, paths, expired_at, statement }]`. */
export function parseYamlIgnores(text: string, source: string): IgnoreRule[] {
  let document: { vulnerabilities?: Array<{ id?: unknown; paths?: unknown; expired_at?: unknown }> } | null
  try {
    // Without the package's duplicate-key check, which compares each key with all before it.
    document = parse(text, { uniqueKeys: false })
  } catch (error) {
    throw new IgnoreFileError(`${source}: invalid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  const entries = document?.vulnerabilities ?? []
  if (!Array.isArray(entries)) throw new IgnoreFileError(`${source}: vulnerabilities must be a list`)
  return entries.map((entry, index) => {
    if (typeof entry?.id !== 'string') throw new IgnoreFileError(`${source}: vulnerabilities[${index}] has no id`)
    const expiredAt = entry.expired_at instanceof Date ? entry.expired_at.toISOString().slice(0, 10) : entry.expired_at
    if (expiredAt !== undefined && (typeof expiredAt !== 'string' || !DATE.test(expiredAt))) {
      throw new IgnoreFileError(`${source}: vulnerabilities[${index}].expired_at: "${String(expiredAt)}" is not a date (YYYY-MM-DD)`)
    }
    return {
      id: entry.id,
      ...(expiredAt ? { expires: expiredAt as string } : {}),
      ...(Array.isArray(entry.paths) ? { paths: entry.paths.map(String) } : {}),
      source: `${source}: vulnerabilities[${index}]`
    }
  })
}

export function parseIgnoreFile(text: string, source: string): IgnoreRule[] {
  return /\.ya?ml$/i.test(source) ? parseYamlIgnores(text, source) : parsePlainIgnores(text, source)
}

/**
 * Splits findings into those that count and those a rule suppresses. A rule past its expiry date
 * suppresses nothing: the finding counts again, and `expired` names the rule so it can be said.
 */
export function applyIgnores(
  findings: readonly VulnerabilityFinding[],
  rules: readonly IgnoreRule[],
  today: string
): { kept: VulnerabilityFinding[]; ignored: VulnerabilityFinding[]; expired: IgnoreRule[] } {
  const expired = rules.filter(rule => rule.expires !== undefined && rule.expires < today)
  // By id: a large report against a large ignore file stays linear.
  const active = new Map<string, IgnoreRule[]>()
  for (const rule of rules) {
    if (rule.expires !== undefined && rule.expires < today) continue
    const same = active.get(rule.id)
    if (same) same.push(rule)
    else active.set(rule.id, [rule])
  }
  const kept: VulnerabilityFinding[] = []
  const ignored: VulnerabilityFinding[] = []
  for (const finding of findings) {
    const suppressed = (active.get(finding.id) ?? []).some(rule => !rule.paths || rule.paths.some(path => finding.target === path || finding.target.startsWith(`${path}/`)))
    ;(suppressed ? ignored : kept).push(finding)
  }
  return { kept, ignored, expired }
}
