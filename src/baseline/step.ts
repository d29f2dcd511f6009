import { mkdir, stat } from 'node:fs/promises'
import * as path from 'node:path'
import type { Inputs } from '../config/inputs.js'
import { Input } from '../constants.js'
import { FILE_LIMITS, readRegularFile } from '../files/safe-read.js'
import { writeFileSafely } from '../files/safe-write.js'
import type { GitHubContext } from '../github/context.js'
import { isPullRequest } from '../github/context.js'
import type { Host } from '../host.js'
import type { CacheBackend } from '../cache-backend.js'
import { parseReference, ReferenceError } from '../image/reference.js'
import { dockerConfigAuth, RegistrySource } from '../image/registry.js'
import { slugOf } from '../names.js'
import type { Report } from '../report/report.js'
import { baselineFromImage, BaselineError, computeDelta, readBaselineFile, type Baseline } from './baseline.js'

export interface BaselineDeps {
  host: Host
  cwd: string
  env: NodeJS.ProcessEnv
  fetch: typeof fetch
  cache?: CacheBackend
  github?: GitHubContext
  /** A folder at the same path on every run (the Actions cache keys hash paths), see baselineDir. */
  dir: string
}

const REPORT_FILE = 'report.json'

/** The folder an image's kept baseline is restored into and saved from, one per image under the temporary root. */
export function baselineDir(tempRoot: string, name: string): string {
  return path.join(tempRoot, 'image-budget-baseline', slugOf(name))
}

/** Cache keys of an image's reports on a branch: one per commit, found by the branch's prefix. */
export function reportCacheKeys(name: string, branch: string, sha: string): { key: string; prefix: string } {
  const prefix = `image-budget-report-v1-${slugOf(name)}-${slugOf(branch)}-`
  return { key: `${prefix}${sha}`, prefix }
}

export const looksLikeFile = (value: string): boolean => value.endsWith('.json') || value.startsWith('.') || value.startsWith('/')

/** The baseline the `baseline` input asks for; undefined when there is none (yet). */
export async function loadBaseline(inputs: Inputs, name: string, deps: BaselineDeps): Promise<Baseline | undefined> {
  const wanted = inputs.baseline
  if (wanted === 'none') return undefined
  // `build` takes the base branch's report where one is kept, and builds the merge base only where none is.
  if (wanted === 'auto' || wanted === 'build') {
    const github = deps.github
    if (!isPullRequest(github) || !deps.cache) return undefined
    const { key, prefix } = reportCacheKeys(name, github!.pullRequest!.baseRef, github!.sha)
    let matched: string | undefined
    try {
      matched = await deps.cache.restore([deps.dir], key, [prefix])
    } catch (error) {
      deps.host.warning(`The baseline report could not be restored: ${(error as Error).message}`)
      return undefined
    }
    if (!matched) {
      deps.host.info(`No report of ${github!.pullRequest!.baseRef} in the cache yet${wanted === 'build' ? '' : ': nothing to compare with'}`)
      return undefined
    }
    const baseline = await readBaselineFile(path.join(deps.dir, REPORT_FILE), matched)
    return { ...baseline, source: 'cache', reference: `${github!.pullRequest!.baseRef}@${matched.slice(prefix.length, prefix.length + 12)}` }
  }
  const file = path.resolve(deps.cwd, wanted)
  if (looksLikeFile(wanted) || (await stat(file).catch(() => undefined))) return readBaselineFile(file, wanted)
  let reference
  try {
    reference = parseReference(wanted)
  } catch (error) {
    if (error instanceof ReferenceError) throw new BaselineError(`Input "baseline": "${wanted}" is not auto, build, none, a report file or an image reference`)
    throw error
  }
  const source = new RegistrySource(reference, await dockerConfigAuth(reference.registry, deps.env), { fetch: deps.fetch })
  try {
    return await baselineFromImage(source, wanted)
  } catch (error) {
    throw new BaselineError(`Input "baseline": the image "${wanted}" could not be read: ${(error as Error).message}`)
  }
}

/** Puts the baseline and each platform's change into the report. */
export function applyBaseline(report: Report, baseline: Baseline): void {
  report.baseline = {
    source: baseline.source,
    reference: baseline.reference,
    ...(baseline.digest ? { digest: baseline.digest } : {}),
    ...(baseline.createdAt ? { createdAt: baseline.createdAt } : {}),
    unavailable: baseline.unavailable
  }
  for (const platform of report.platforms) {
    const base = baseline.platforms.find(candidate => candidate.platform === platform.platform)
    if (base) platform.delta = computeDelta(platform, base)
  }
}

/**
 * On a push to the default branch with `baseline: auto` (or `build`), keeps the report in the Actions cache for
 * the pull requests that follow. Saving never fails the step.
 */
export async function saveBaseline(inputs: Inputs, name: string, reportPath: string, deps: BaselineDeps): Promise<boolean> {
  const github = deps.github
  if ((inputs.baseline !== 'auto' && inputs.baseline !== 'build') || !deps.cache || !github) return false
  if (github.eventName !== 'push' || github.branch === '' || github.branch !== github.defaultBranch) return false
  const { key } = reportCacheKeys(name, github.branch, github.sha)
  try {
    // The copy stays inside the folder of kept baselines, whatever links or names lead elsewhere.
    const report = await readRegularFile(reportPath, FILE_LIMITS[Input.Baseline])
    await mkdir(path.dirname(deps.dir), { recursive: true })
    await writeFileSafely(path.join(deps.dir, REPORT_FILE), report, { roots: [path.dirname(deps.dir)], what: 'the baseline copy of the report' })
    await deps.cache.save([deps.dir], key)
    deps.host.info(`Report kept as the baseline of ${github.branch} (${key})`)
    return true
  } catch (error) {
    deps.host.warning(`The report could not be kept as the baseline of ${github.branch}: ${(error as Error).message}`)
    return false
  }
}
