// One image through its stages. The report is assembled from what each stage returns, as soon as it
// returns, so that a failure keeps everything measured before it; the image's work folder (which
// holds its secret files) goes in `finally`, whatever happens.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import * as path from 'node:path'
import type { BuildResult } from '../build/build.js'
import type { Dockerfile } from '../dockerfile/dockerfile.js'
import type { Host } from '../host.js'
import { emptyReport, type Report } from '../report/report.js'
import { createScrubber, scrubDeep, secretValues } from '../secrets.js'
import type { RunDeps } from './deps.js'
import type { ImageSpec } from './spec.js'
import { recallHistory } from '../history/step.js'
import { inapplicable } from './notices.js'
import { compare, judge, measure, prepare, produce, scan, type StageContext } from './stages.js'

/** What one image's run leaves for the writers. */
export interface ImageRun {
  spec: ImageSpec
  report: Report
  build?: BuildResult
  dockerfile?: Dockerfile
  /** The engine's image ID, when an existing local image was measured. */
  engineImageId?: string
  /** The config digest of a single-platform image. */
  configDigest?: string
  sarifPath?: string
  /** Why the run stopped early, when it did (also in report.error). */
  failure?: unknown
}

/** Folders of runs in progress: what a signal handler must remove (they hold secret files). */
export const workFolders = new Set<string>()

function startReport(spec: ImageSpec, deps: RunDeps): Report {
  const report = emptyReport(spec.name)
  report.createdAt = new Date(deps.clock.now()).toISOString()
  if (deps.github?.context.sha) report.commit = deps.github.context.sha
  const pullRequest = deps.github?.context.pullRequest
  if (pullRequest) report.pullRequest = { number: pullRequest.number, head: pullRequest.headSha }
  return report
}

/** `call: check` findings become the report's call section and verdict (and annotations, by the writers). */
function callOutcome(report: Report, build: BuildResult, host: Host): void {
  const checks = build.call?.checks ?? []
  if (build.call!.method !== 'check') host.info(build.call!.output)
  report.call = { method: build.call!.method, checks }
  report.verdict = checks.length > 0 ? 'fail' : 'pass'
}

export async function runImage(
  spec: ImageSpec,
  host: Host,
  deps: RunDeps,
  options: { onStart?: (run: ImageRun) => void; bake?: Map<string, BuildResult> } = {}
): Promise<ImageRun> {
  const report = startReport(spec, deps)
  const run: ImageRun = { spec, report }
  options.onStart?.(run)
  await mkdir(deps.tempRoot, { recursive: true })
  const workDir = await mkdtemp(path.join(deps.tempRoot, 'image-budget-'))
  workFolders.add(workDir)
  const context: StageContext = { ...deps, host, workDir, ...(options.bake ? { bake: options.bake } : {}) }
  let release: (() => Promise<void>) | undefined
  try {
    const prepared = await prepare(spec, context)
    run.dockerfile = prepared.dockerfile
    const produced = await produce(spec, context)
    release = produced.release
    run.build = produced.build
    run.engineImageId = produced.engineImageId
    const build = produced.build
    if (build) report.build = { seconds: build.seconds, steps: build.steps, cachedSteps: build.cachedSteps, ...(build.actionsCache ? { actionsCache: build.actionsCache } : {}) }
    if (produced.source === undefined) {
      if (build?.call) callOutcome(report, build, host)
      return run
    }
    const measured = await measure(spec, prepared, { source: produced.source, layers: produced.layers }, context, platform => report.platforms.push(platform))
    report.digest = measured.image.digest
    report.smells = measured.smells
    if (measured.image.platforms.length === 1) run.configDigest = measured.image.platforms[0].config.digest
    run.sarifPath = (await scan(spec, prepared, produced, measured, report, context)).sarifPath
    const compared = await compare(spec, report, context)
    await recallHistory(spec.inputs, spec.name, spec.budgets, report, { host, github: deps.github })
    const judged = judge(spec, report, compared)
    report.budgets = judged.budgets
    report.verdict = judged.verdict
    const notices = inapplicable(spec, report, compared)
    if (notices.length > 0) report.notices = notices
  } catch (error) {
    run.failure = error
    report.verdict = 'fail'
    report.error = (error as Error).message
  } finally {
    // Nothing a program printed reaches the report, the comment, the summary or the API with a secret in it.
    scrubDeep(report, createScrubber(secretValues(spec.inputs, deps.env)))
    await release?.().catch((error: Error) => host.warning(error.message))
    await rm(workDir, { recursive: true, force: true })
    workFolders.delete(workDir)
  }
  return run
}
