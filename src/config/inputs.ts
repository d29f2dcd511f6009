import { DEFAULT_HISTORY_BRANCH, DEFAULT_TRIVY_VERSION, Input, SEVERITIES, type InputName, type Severity } from '../constants.js'
import { InputError } from './errors.js'

export type FailOn = 'error' | 'warning' | 'never'
export type ExportMode = 'auto' | 'folder' | 'stream' | 'registry'

/** Every input of action.yml, keyed exactly as there, read once by getInputs(). */
export interface Inputs {
  /** Bake definition files (docker/bake-action's `files`); with `targets` or `source`, the run builds a bake definition. */
  files: string[]
  targets: string[]
  set: string[]
  source: string
  /** Bake variables, KEY=value: set in bake's environment, where HCL variables are read. */
  vars: string[]
  'add-hosts': string[]
  allow: string[]
  annotations: string[]
  attests: string[]
  'build-contexts': string[]
  call: string
  'cgroup-parent': string
  network: string
  'no-cache-filters': string[]
  outputs: string[]
  /** How an unpushed build's image reaches the measuring: a layout folder buildx writes, or its standard output read as it streams. */
  'export-mode': ExportMode
  provenance: string
  sbom: string
  'secret-envs': string[]
  'shm-size': string
  ssh: string[]
  ulimit: string[]
  context: string
  file: string
  target: string
  platforms: string[]
  'build-args': string[]
  secrets: string[]
  'secret-files': string[]
  tags: string[]
  labels: string[]
  push: boolean
  load: boolean
  builder: string
  'cache-from': string[]
  'cache-to': string[]
  'no-cache': boolean
  pull: boolean
  image: string
  name: string
  'budget-file': string
  'max-size': string
  'max-compressed-size': string
  'max-layers': string
  'max-layer-size': string
  'max-wasted': string
  'min-efficiency': string
  'fail-on': FailOn
  summary: boolean
  report: string
  scan: boolean
  severity: Severity[]
  'ignore-unfixed': boolean
  trivyignores: string[]
  'max-vulnerabilities': string
  'trivy-report': string
  sarif: string
  'trivy-version': string
  'trivy-db-repository': string[]
  'scan-failure': 'error' | 'warning'
  /** As written (`20m`); parsed where the scan runs. */
  'scan-timeout': string
  baseline: string
  /** With `baseline: build`: the commit or branch whose merge base with HEAD is built, where no pull request says it. */
  'baseline-ref': string
  'max-size-increase': string
  /** Growth allowed since `drift-from`, as written; parsed with the budgets. */
  'max-drift': string
  'drift-from': string
  /** `none`, or `branch`: each image's history kept on a branch of the repository. */
  history: HistoryMode
  'history-branch': string
  comment: CommentMode
  'github-token': string
  /** Undefined: on pull requests only. */
  status: boolean | undefined
  /** Globs of report files; any given switches the step to combine mode. */
  reports: string[]
  /** Images that must be reported in combine mode (`budget-file` stands for the budget file's images). */
  expect: string[]
  /** The context of combine mode's one commit status. */
  'status-context': string
}

export type HistoryMode = 'none' | 'branch'

export type CommentMode = 'auto' | 'always' | 'on-failure' | 'never'

/** Reads one raw input; '' when it was not given. @actions/core's getInput and the CLI both fit. */
export type InputReader = (name: InputName) => string

/**
 * Splits a list input as docker/build-push-action does (CSV rules): items are separated by
 * newlines, and also by commas unless the items themselves may contain commas (cache specs, build
 * args, labels, secrets). An item in double quotes keeps its commas and newlines (a multi-line
 * secret) and `""` inside it is a quote. Unquoted items are trimmed; blank ones and `#` comments dropped.
 */
/** Whether Trivy scans the image itself (rather than a report given with `trivy-report` being read, or no scan). */
export function trivyScans(inputs: Pick<Inputs, 'scan' | 'trivy-report'>): boolean {
  return inputs.scan && inputs['trivy-report'] === ''
}

export function parseList(raw: string, { ignoreComma = false, name = '' as InputName | '' } = {}): string[] {
  const items: string[] = []
  let item = ''
  let quoted = false
  let wasQuoted = false
  const finish = (): void => {
    const value = wasQuoted ? item : item.trim()
    if (value !== '' && (wasQuoted || !value.startsWith('#'))) items.push(value)
    item = ''
    wasQuoted = false
  }
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]
    if (quoted) {
      if (char === '"' && raw[i + 1] === '"') {
        item += '"'
        i++
      } else if (char === '"') quoted = false
      else item += char
    } else if (char === '"' && item.trim() === '' && !wasQuoted) {
      item = ''
      quoted = true
      wasQuoted = true
    } else if (char === '\n' || (char === ',' && !ignoreComma)) finish()
    else if (char !== '\r' || raw[i + 1] !== '\n') item += char
  }
  if (quoted) throw new InputError(`Input "${name}": a double quote is not closed (a quoted item ends with ")`)
  finish()
  return items
}

export function parseBoolean(name: InputName, raw: string, fallback: boolean): boolean {
  const value = raw.trim().toLowerCase()
  if (value === '') return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InputError(`Input "${name}" must be true or false, got "${raw}"`)
}

export function parseEnum<T extends string>(name: InputName, raw: string, allowed: readonly T[], fallback: T): T {
  const value = raw.trim()
  if (value === '') return fallback
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(`Input "${name}" must be one of ${allowed.join(', ')}, got "${raw}"`)
}

/** A branch name git and the API take as it is: no `..`, no control characters or spaces, no `-` first. */
export function parseBranchName(name: InputName, raw: string): string {
  // As git check-ref-format: besides, no part of the name starts with a dot, and HEAD is not a branch.
  const valid =
    /^[A-Za-z0-9._][A-Za-z0-9._/-]{0,199}$/.test(raw) &&
    !raw.includes('..') &&
    !raw.includes('//') &&
    !raw.endsWith('/') &&
    !raw.endsWith('.lock') &&
    !raw.endsWith('.') &&
    !raw.split('/').some(part => part.startsWith('.')) &&
    raw !== 'HEAD'
  if (!valid) throw new InputError(`Input "${name}": "${raw}" is not a branch name (letters, digits, ".", "_", "-" and "/", e.g. image-budget-history)`)
  return raw
}

/** `HIGH,CRITICAL` as Trivy takes it; every severity when empty. */
export function parseSeverities(raw: string): Severity[] {
  const items = parseList(raw)
  if (items.length === 0) return [...SEVERITIES]
  return items.map(item => {
    const severity = item.toLowerCase()
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      throw new InputError(`Input "${Input.Severity}": "${item}" is not a severity (${SEVERITIES.map(name => name.toUpperCase()).join(', ')})`)
    }
    return severity as Severity
  })
}

export function getInputs(read: InputReader): Inputs {
  const text = (name: InputName): string => read(name).trim()
  const list = (name: InputName, ignoreComma = false): string[] => parseList(read(name), { ignoreComma, name })
  return {
    files: list(Input.Files),
    targets: list(Input.Targets),
    set: list(Input.Set, true),
    source: text(Input.Source),
    vars: list(Input.Vars, true),
    'add-hosts': list(Input.AddHosts),
    allow: list(Input.Allow),
    annotations: list(Input.Annotations, true),
    attests: list(Input.Attests, true),
    'build-contexts': list(Input.BuildContexts, true),
    call: text(Input.Call),
    'cgroup-parent': text(Input.CgroupParent),
    network: text(Input.Network),
    'no-cache-filters': list(Input.NoCacheFilters),
    outputs: list(Input.Outputs, true),
    'export-mode': parseEnum(Input.ExportMode, read(Input.ExportMode), ['auto', 'folder', 'stream', 'registry'] as const, 'auto'),
    provenance: text(Input.Provenance),
    sbom: text(Input.Sbom),
    'secret-envs': list(Input.SecretEnvs),
    'shm-size': text(Input.ShmSize),
    ssh: list(Input.Ssh),
    ulimit: list(Input.Ulimit, true),
    context: text(Input.Context) || '.',
    file: text(Input.File),
    target: text(Input.Target),
    platforms: list(Input.Platforms),
    'build-args': list(Input.BuildArgs, true),
    secrets: list(Input.Secrets, true),
    'secret-files': list(Input.SecretFiles, true),
    tags: list(Input.Tags),
    labels: list(Input.Labels, true),
    push: parseBoolean(Input.Push, read(Input.Push), false),
    load: parseBoolean(Input.Load, read(Input.Load), false),
    builder: text(Input.Builder),
    'cache-from': list(Input.CacheFrom, true),
    'cache-to': list(Input.CacheTo, true),
    'no-cache': parseBoolean(Input.NoCache, read(Input.NoCache), false),
    pull: parseBoolean(Input.Pull, read(Input.Pull), false),
    image: text(Input.Image),
    name: text(Input.Name),
    'budget-file': text(Input.BudgetFile),
    'max-size': text(Input.MaxSize),
    'max-compressed-size': text(Input.MaxCompressedSize),
    'max-layers': text(Input.MaxLayers),
    'max-layer-size': text(Input.MaxLayerSize),
    'max-wasted': text(Input.MaxWasted),
    'min-efficiency': text(Input.MinEfficiency),
    'fail-on': parseEnum(Input.FailOn, read(Input.FailOn), ['error', 'warning', 'never'] as const, 'error'),
    summary: parseBoolean(Input.Summary, read(Input.Summary), true),
    report: text(Input.Report),
    scan: parseBoolean(Input.Scan, read(Input.Scan), true),
    severity: parseSeverities(read(Input.Severity)),
    'ignore-unfixed': parseBoolean(Input.IgnoreUnfixed, read(Input.IgnoreUnfixed), false),
    trivyignores: list(Input.Trivyignores),
    'max-vulnerabilities': text(Input.MaxVulnerabilities),
    'trivy-report': text(Input.TrivyReport),
    sarif: text(Input.Sarif),
    'trivy-version': text(Input.TrivyVersion) || DEFAULT_TRIVY_VERSION,
    'trivy-db-repository': list(Input.TrivyDbRepository),
    'scan-failure': parseEnum(Input.ScanFailure, read(Input.ScanFailure), ['error', 'warning'] as const, 'error'),
    'scan-timeout': text(Input.ScanTimeout),
    baseline: text(Input.Baseline) || 'auto',
    'baseline-ref': text(Input.BaselineRef),
    'max-size-increase': text(Input.MaxSizeIncrease),
    'max-drift': text(Input.MaxDrift),
    'drift-from': text(Input.DriftFrom),
    history: parseEnum(Input.History, read(Input.History), ['none', 'branch'] as const, 'none'),
    'history-branch': parseBranchName(Input.HistoryBranch, text(Input.HistoryBranch) || DEFAULT_HISTORY_BRANCH),
    comment: parseEnum(Input.Comment, read(Input.Comment), ['auto', 'always', 'on-failure', 'never'] as const, 'auto'),
    'github-token': text(Input.GithubToken),
    status: read(Input.Status).trim() === '' ? undefined : parseBoolean(Input.Status, read(Input.Status), true),
    // Globs may hold commas (`{api,web}`): one per line.
    reports: list(Input.Reports, true),
    expect: list(Input.Expect),
    'status-context': text(Input.StatusContext) || 'image-budget'
  }
}
