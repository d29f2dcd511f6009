// Budgets and inputs that cannot apply to this run, each named with why: a budget skipped without
// a word reads as a budget met.
import type { Inputs } from '../config/inputs.js'
import { VULNERABILITY_RULE, Input, Rule, type InputName } from '../constants.js'
import type { Report } from '../report/report.js'
import type { ImageSpec } from './spec.js'

/** Build inputs that mean nothing when an existing image is measured. */
const BUILD_ONLY_INPUTS = [
  Input.File, Input.Target, Input.Platforms, Input.BuildArgs, Input.Tags, Input.Push, Input.Load, Input.Outputs, Input.CacheFrom,
  Input.CacheTo, Input.Call, Input.Secrets, Input.SecretEnvs, Input.SecretFiles
] as const

/** The inputs among `names` that were given a value (a list with items, true, or text). */
export function givenInputs(inputs: Inputs, names: readonly InputName[]): InputName[] {
  return names.filter(name => {
    const value: unknown = inputs[name as keyof Inputs]
    return Array.isArray(value) ? value.length > 0 : value === true || (typeof value === 'string' && value !== '')
  })
}

/** `baseline`: why `baseline: build` gave no baseline, when it gave none, and whether it failed to (the base did not build). */
export function inapplicable(spec: ImageSpec, report: Pick<Report, 'baseline' | 'platforms'>, baseline: { missing?: string; failed?: boolean } = {}): string[] {
  const baselineMissing = baseline.missing
  const notices: string[] = []
  const { inputs, budgets } = spec
  if (budgets[VULNERABILITY_RULE] && !inputs.scan && inputs['trivy-report'] === '') {
    notices.push(`The budget ${VULNERABILITY_RULE} cannot apply: scan is false and no trivy-report is given, so nothing counts vulnerabilities`)
  }
  const judgesIncrease = budgets[Rule.MaxSizeIncrease] !== undefined && report.platforms.length > 0
  if (judgesIncrease) {
    if (!report.baseline && baseline.failed) {
      notices.push(`The budget ${Rule.MaxSizeIncrease} has no baseline: ${baselineMissing}. It ${budgets[Rule.MaxSizeIncrease]!.level === 'error' ? 'fails' : 'warns'} rather than passing unchecked`)
    } else if (!report.baseline) {
      notices.push(`The budget ${Rule.MaxSizeIncrease} cannot apply: there is no baseline to compare with (baseline: ${inputs.baseline}${baselineMissing ? `: ${baselineMissing}` : ''})`)
    } else {
      const missing = report.platforms.filter(platform => !platform.delta).map(platform => platform.platform)
      if (missing.length > 0) notices.push(`The budget ${Rule.MaxSizeIncrease} cannot apply to ${missing.join(', ')}: the baseline has no such platform`)
    }
  }
  if (baselineMissing && !judgesIncrease) notices.push(`No baseline to compare with (baseline: ${inputs.baseline}): ${baselineMissing}`)
  if (inputs['baseline-ref'] !== '' && inputs.baseline !== 'build') {
    notices.push(`Input "${Input.BaselineRef}" is ignored: it names the commit that baseline: build builds, and baseline is ${inputs.baseline}`)
  }
  if (budgets[Rule.MaxDrift]) {
    const unresolved = report.platforms.filter(platform => platform.drift?.unresolved !== undefined)
    const reasons = [...new Set(unresolved.map(platform => platform.drift!.unresolved!))]
    for (const reason of reasons) {
      const on = unresolved.filter(platform => platform.drift!.unresolved === reason).map(platform => platform.platform)
      notices.push(`The budget ${Rule.MaxDrift} has no reference on ${on.join(', ')}: ${reason}. It ${budgets[Rule.MaxDrift]!.level === 'error' ? 'fails' : 'warns'} rather than passing unchecked`)
    }
  }
  const unknown = (spec.budgetFileImages ?? []).filter(key => key !== spec.name)
  if (unknown.length > 0 && !(spec.budgetFileImages ?? []).includes(spec.name)) {
    notices.push(`The budget file ${spec.budgetFile} has budgets for ${unknown.map(key => `"${key}"`).join(', ')} but this image is "${spec.name}": only its defaults apply (set name to one of those keys)`)
  }
  if (spec.origin.kind === 'image') {
    const ignored = givenInputs(inputs, BUILD_ONLY_INPUTS)
    if (ignored.length > 0) notices.push(`Inputs ${ignored.map(input => `"${input}"`).join(', ')} are ignored: "image" measures an existing image, nothing is built`)
  }
  return notices
}
