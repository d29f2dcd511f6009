import * as path from 'node:path'
import { InputError } from '../config/errors.js'
import type { Inputs } from '../config/inputs.js'
import { parseDuration, SizeError } from '../config/size.js'
import { Input } from '../constants.js'
import { readInputFile } from '../files/safe-read.js'
import { writeFileSafely, writeRoots } from '../files/safe-write.js'
import type { Clock, Exec, Host } from '../host.js'
import type { CacheBackend } from '../cache-backend.js'
import type { PlatformImage } from '../image/measure.js'
import { slugOf } from '../names.js'
import type { FindingReport, PlatformReport, Report } from '../report/report.js'
import { createScrubber, scrubDeep, secretValues } from '../secrets.js'
import { filterFindings, worstFirst } from './filter.js'
import { IgnoreFileError, parseIgnoreFile, type IgnoreRule } from './ignores.js'
import { checkVersionInput, installTrivy } from './install.js'
import type { Sleep } from './retry.js'
import { toSarif, type SarifFinding } from './sarif.js'
import { DEFAULT_DB_REPOSITORIES, DEFAULT_SCAN_TIMEOUT, restoreDatabase, saveDatabase, scanTarget, type ScanTarget } from './scan.js'
import { emptyCounts, parseTrivyReport, SEVERITIES, type ScanResult, type SeverityCounts } from './trivy-report.js'

export interface ScanStepDeps {
  exec: Exec
  host: Host
  clock: Clock
  sleep: Sleep
  fetch: typeof fetch
  cwd: string
  workDir: string
  /** Folders that stay the same path on every run (the Actions cache keys hash the paths). */
  toolDir: string
  trivyCacheDir: string
  /** Keeps the Trivy binary and DB between runs (on GitHub). */
  cache?: CacheBackend
  /** Where Trivy releases come from (tests point it at a local server). */
  releases?: string
  /** Where secrets are looked up (`secret-envs`, runner tokens), and the temporary root SARIF may go to. */
  env?: NodeJS.ProcessEnv
  tempRoot?: string
}

export interface ScanStepInput {
  inputs: Inputs
  report: Report
  platforms: PlatformImage[]
  /** What Trivy scans for a platform: the layout the build wrote, the saved archive, or the reference. */
  targetFor: (platform: PlatformImage, workDir: string) => Promise<ScanTarget>
  dockerfile?: string
  version: string
}

export async function readIgnores(inputs: Inputs, cwd: string): Promise<IgnoreRule[]> {
  const rules: IgnoreRule[] = []
  for (const file of inputs.trivyignores) {
    const text = await readInputFile(Input.Trivyignores, file, path.resolve(cwd, file))
    try {
      rules.push(...parseIgnoreFile(text, file))
    } catch (error) {
      if (error instanceof IgnoreFileError) throw new InputError(`Input "${Input.Trivyignores}": ${error.message}`)
      throw error
    }
  }
  return rules
}

function findingReports(result: ScanResult, platform: PlatformReport): FindingReport[] {
  return worstFirst(result.findings).map(finding => {
    // Trivy names a layer by its blob digest when it read the blob, and by its DiffID always.
    const layer = platform.layers.find(
      candidate => (finding.layer?.digest && candidate.digest === finding.layer.digest) || (finding.layer?.diffId && candidate.diffId === finding.layer.diffId)
    )
    return {
      id: finding.id,
      package: finding.package,
      installed: finding.installed,
      ...(finding.fixed ? { fixed: finding.fixed } : {}),
      severity: finding.severity,
      ...(finding.link ? { link: finding.link } : {}),
      ...(finding.title ? { title: finding.title } : {}),
      ...(layer
        ? { layer: { layer: layer.digest, ...(layer.instruction ? { instruction: layer.instruction, line: layer.line } : {}), ...(layer.stage ? { stage: layer.stage } : {}) } }
        : finding.layer?.digest
          ? { layer: { layer: finding.layer.digest } }
          : {})
    }
  })
}

/** The worst count of each severity over the platforms: the `vulnerabilities` output. */
export function worstCounts(platforms: readonly PlatformReport[]): SeverityCounts {
  const counts = emptyCounts()
  for (const platform of platforms) {
    for (const severity of SEVERITIES) counts[severity] = Math.max(counts[severity], platform.vulnerabilities?.[severity] ?? 0)
  }
  return counts
}

/**
 * Scans the final image of every platform with Trivy (or reads the report given with
 * `trivy-report`), keeps the findings that count, and puts counts and findings in the report.
 * When Trivy cannot run, the step fails or warns as `scan-failure` says; sizes are reported either way.
 */
export async function scanStep(input: ScanStepInput, deps: ScanStepDeps): Promise<{ sarifPath?: string }> {
  const { inputs, report } = input
  if (!inputs.scan && inputs['trivy-report'] === '') return {}
  let timeoutMs: number
  try {
    timeoutMs = parseDuration(inputs['scan-timeout'] || DEFAULT_SCAN_TIMEOUT)
  } catch (error) {
    if (error instanceof SizeError) throw new InputError(`Input "${Input.ScanTimeout}": ${error.message}`)
    throw error
  }
  const ignores = await readIgnores(inputs, deps.cwd)
  const scrub = createScrubber(secretValues(inputs, deps.env ?? process.env))
  const today = new Date(deps.clock.now()).toISOString().slice(0, 10)
  const filter = { severities: inputs.severity, ignoreUnfixed: inputs['ignore-unfixed'], ignores, today }
  report.scan = { source: '', severities: inputs.severity, ignoreUnfixed: inputs['ignore-unfixed'], ignored: 0, expiredIgnores: [] }
  const scan = report.scan

  const sarifFindings: SarifFinding[] = []
  try {
    const results = new Map<string, ScanResult>()
    if (inputs['trivy-report'] !== '') {
      const text = await readInputFile(Input.TrivyReport, inputs['trivy-report'], path.resolve(deps.cwd, inputs['trivy-report']))
      const parsed = parseTrivyReport(text, inputs['trivy-report'])
      scan.source = inputs['trivy-report']
      for (const platform of input.platforms) results.set(platform.platform, parsed)
    } else {
      const version = checkVersionInput(inputs['trivy-version'])
      const binary = await deps.host.group(`Install trivy ${version}`, () =>
        installTrivy(version, { exec: deps.exec, host: deps.host, fetch: deps.fetch, sleep: deps.sleep, toolDir: deps.toolDir, cache: deps.cache, releases: deps.releases })
      )
      scan.source = `trivy ${version}`
      const restored = deps.cache ? await restoreDatabase(deps.cache, deps.trivyCacheDir, today, deps.host) : undefined
      const settings = {
        binary,
        cacheDir: deps.trivyCacheDir,
        dbRepositories: inputs['trivy-db-repository'].length > 0 ? inputs['trivy-db-repository'] : DEFAULT_DB_REPOSITORIES,
        timeoutMs
      }
      for (const platform of input.platforms) {
        const target = await input.targetFor(platform, path.join(deps.workDir, 'scan', slugOf(platform.platform)))
        const result = await deps.host.group(`Scan ${platform.platform} with trivy`, () =>
          scanTarget(target, settings, { exec: deps.exec, host: deps.host, sleep: deps.sleep, workDir: deps.workDir, scrub })
        )
        results.set(platform.platform, result)
      }
      if (deps.cache) await saveDatabase(deps.cache, deps.trivyCacheDir, today, restored, deps.host)
    }

    const expired = new Set<string>()
    for (const platform of report.platforms) {
      const result = results.get(platform.platform)
      if (!result) continue
      const counted = filterFindings(result, filter)
      platform.vulnerabilities = counted.vulnerabilities
      platform.fixable = counted.fixable
      // What Trivy or a given report says is quoted in the report, the comment and SARIF.
      platform.findings = scrubDeep(findingReports(counted, platform), scrub)
      scan.ignored += counted.ignored
      for (const rule of counted.expired) expired.add(`${rule.id} (${rule.source}, expired ${rule.expires})`)
      for (const finding of platform.findings) {
        sarifFindings.push({ ...finding, platform: platform.platform, file: input.dockerfile, line: finding.layer?.line })
      }
    }
    scan.expiredIgnores = [...expired]
    for (const rule of scan.expiredIgnores) deps.host.warning(`An ignore rule has expired and no longer suppresses: ${rule}`)

  } catch (error) {
    if (error instanceof Error) error.message = scrub(error.message)
    if (error instanceof InputError || inputs['scan-failure'] === 'error') throw error
    scan.error = (error as Error).message
    deps.host.warning(`The image was not scanned (scan-failure: warning): ${scan.error}`)
    return {}
  }
  // Outside the scan's failure policy: an output that cannot be written is an error, not a skipped scan.
  if (inputs.sarif === '') return {}
  const sarifPath = path.resolve(deps.cwd, inputs.sarif)
  const roots = writeRoots({ cwd: deps.cwd, tempRoot: deps.tempRoot ?? deps.workDir, env: deps.env ?? process.env })
  await writeFileSafely(sarifPath, `${JSON.stringify(toSarif(sarifFindings, input.dockerfile, input.version), null, 2)}\n`, { roots, what: `the SARIF file (input "${Input.Sarif}")` })
  return { sarifPath }
}
