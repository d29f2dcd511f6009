// Names that appear in action.yml, the CLI, the budget file and the report are declared once, here.

export const Input = {
  Files: 'files',
  Targets: 'targets',
  Set: 'set',
  Source: 'source',
  Vars: 'vars',
  AddHosts: 'add-hosts',
  Allow: 'allow',
  Annotations: 'annotations',
  Attests: 'attests',
  BuildContexts: 'build-contexts',
  Call: 'call',
  CgroupParent: 'cgroup-parent',
  Network: 'network',
  NoCacheFilters: 'no-cache-filters',
  Outputs: 'outputs',
  ExportMode: 'export-mode',
  Provenance: 'provenance',
  Sbom: 'sbom',
  SecretEnvs: 'secret-envs',
  ShmSize: 'shm-size',
  Ssh: 'ssh',
  Ulimit: 'ulimit',
  Context: 'context',
  File: 'file',
  Target: 'target',
  Platforms: 'platforms',
  BuildArgs: 'build-args',
  Secrets: 'secrets',
  SecretFiles: 'secret-files',
  Tags: 'tags',
  Labels: 'labels',
  Push: 'push',
  Load: 'load',
  Builder: 'builder',
  CacheFrom: 'cache-from',
  CacheTo: 'cache-to',
  NoCache: 'no-cache',
  Pull: 'pull',
  Image: 'image',
  Name: 'name',
  BudgetFile: 'budget-file',
  MaxSize: 'max-size',
  MaxCompressedSize: 'max-compressed-size',
  MaxLayers: 'max-layers',
  MaxLayerSize: 'max-layer-size',
  MaxWasted: 'max-wasted',
  MinEfficiency: 'min-efficiency',
  FailOn: 'fail-on',
  Summary: 'summary',
  Report: 'report',
  Scan: 'scan',
  Severity: 'severity',
  IgnoreUnfixed: 'ignore-unfixed',
  Trivyignores: 'trivyignores',
  MaxVulnerabilities: 'max-vulnerabilities',
  TrivyReport: 'trivy-report',
  Sarif: 'sarif',
  TrivyVersion: 'trivy-version',
  TrivyDbRepository: 'trivy-db-repository',
  ScanFailure: 'scan-failure',
  ScanTimeout: 'scan-timeout',
  Baseline: 'baseline',
  BaselineRef: 'baseline-ref',
  MaxSizeIncrease: 'max-size-increase',
  MaxDrift: 'max-drift',
  DriftFrom: 'drift-from',
  History: 'history',
  HistoryBranch: 'history-branch',
  Comment: 'comment',
  GithubToken: 'github-token',
  Status: 'status',
  Reports: 'reports',
  Expect: 'expect',
  StatusContext: 'status-context'
} as const
export type InputName = (typeof Input)[keyof typeof Input]

export const Output = {
  Verdict: 'verdict',
  Report: 'report',
  Size: 'size',
  CompressedSize: 'compressed-size',
  Digest: 'digest',
  ImageId: 'imageid',
  Metadata: 'metadata',
  Vulnerabilities: 'vulnerabilities',
  Sarif: 'sarif',
  SizeDelta: 'size-delta',
  Images: 'images'
} as const

/** Budget rules, keyed as in the budget file and the report. */
export const Rule = {
  MaxSize: 'max-size',
  MaxCompressedSize: 'max-compressed-size',
  MaxLayers: 'max-layers',
  MaxLayerSize: 'max-layer-size',
  MaxWasted: 'max-wasted',
  MinEfficiency: 'min-efficiency',
  MaxSizeIncrease: 'max-size-increase',
  MaxDrift: 'max-drift'
} as const
export type RuleName = (typeof Rule)[keyof typeof Rule]
export const RULE_NAMES: readonly RuleName[] = Object.values(Rule)
/** The vulnerability budget: limits per severity rather than one limit. */
export const VULNERABILITY_RULE = 'max-vulnerabilities'

/** The Trivy release scanned with unless `trivy-version` names another. */
export const DEFAULT_TRIVY_VERSION = '0.68.0'
/** Trivy's severities, most severe first, as the report and the inputs name them. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const
export type Severity = (typeof SEVERITIES)[number]

export const DEFAULT_BUDGET_FILE = '.github/image-budget.yml'
export const REPORT_SCHEMA_VERSION = 1
/** Reports of several images in one file: `{ schemaVersion: 2, images: Report[] }`, as combine mode writes it. */
export const COMBINED_REPORT_SCHEMA_VERSION = 2
/** The word of `expect` that stands for the image keys of the budget file. */
export const EXPECT_BUDGET_FILE = 'budget-file'
/** The first buildx release that speaks the GitHub Actions cache service v2. */
export const MIN_BUILDX_FOR_GHA_CACHE = '0.21.0'
/** The first BuildKit release that speaks the GitHub Actions cache service v2. */
export const MIN_BUILDKIT_FOR_GHA_CACHE = '0.20.0'
/** The branch `history: branch` keeps each image's history on, unless `history-branch` names another. */
export const DEFAULT_HISTORY_BRANCH = 'image-budget-history'
/** Points of history kept per image: the oldest goes when a new one comes. */
export const MAX_HISTORY_POINTS = 100
/** Platforms a point of history may have: far above any image's, and 100 points of them fit in the 1 MB the contents API sends. */
export const MAX_HISTORY_PLATFORMS = 32
