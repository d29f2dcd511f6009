// The action's adapter and the one core the CLI shares: inputs are resolved into image specs, each
// spec runs through its stages, and each run is handed to the writers.
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import * as path from 'node:path'
import { forgetWorktreesSync } from './baseline/git.js'
import { failsStep } from './budget/evaluate.js'
import { probeActionsCache } from './build/actions-cache.js'
import { imageName } from './config/config.js'
import { getInputs, type Inputs } from './config/inputs.js'
import { Input, Output, type InputName } from './constants.js'
import { givenInputs } from './pipeline/notices.js'
import { writeFileSafely, writeRoots } from './files/safe-write.js'
import { octokitApi } from './github/api.js'
import { readGitHubContext } from './github/context.js'
import type { Host } from './host.js'
import { actionsCacheAvailable, actionsCacheBackend } from './image/layer-cache.js'
import { slugOf } from './names.js'
import { nodeDeps, type RunDeps } from './pipeline/deps.js'
import { runImage, workFolders, type ImageRun } from './pipeline/run-image.js'
import { reportPathOf, resolveSpecs, type ImageSpec } from './pipeline/spec.js'
import { budgetFailureMessage, writeManyRun, writeRun } from './pipeline/writers.js'
import { bakeRunName, isBake, runBake } from './build/bake.js'
import type { BuildResult } from './build/build.js'
import { preflight } from './preflight.js'
import { combine } from './combine/combine.js'
import { emptyReport, type Report } from './report/report.js'
import { createScrubber, scrubDeep, secretValues } from './secrets.js'
import { combineStep, isCombineMode } from './combine/run.js'

export { nodeDeps } from './pipeline/deps.js'
export { bakeRunName } from './build/bake.js'
export { ACTION_VERSION } from './pipeline/stages.js'
export { commentPath } from './pipeline/writers.js'
export type Deps = RunDeps

export interface Outcome {
  report: Report
  reportPath: string
  /** Whether the budgets fail the step, as `fail-on` asks. */
  failed: boolean
  /** Why, when the run measured several images. */
  failureMessage?: string
}

export class BudgetExceededError extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.failureMessage ?? budgetFailureMessage(outcome.report))
    this.name = 'BudgetExceededError'
  }
}

export function defaultReportPath(name: string, deps: Pick<Deps, 'tempRoot'>): string {
  return reportPathOf({ report: '' }, name, { cwd: '', tempRoot: deps.tempRoot })
}

/**
 * The report of a run that could not resolve its specs (bad input, an unreadable budget file): it
 * is written all the same, so that what reads reports learns why, and the outputs say fail.
 */
async function unresolvedRun(inputs: Inputs, error: unknown, deps: Deps): Promise<ImageRun> {
  const name = imageName(inputs, deps.cwd)
  const report = emptyReport(name)
  report.createdAt = new Date(deps.clock.now()).toISOString()
  report.verdict = 'fail'
  report.error = createScrubber(secretValues(inputs, deps.env))((error as Error).message)
  const spec = { inputs, name, budgets: {}, smells: { levels: {}, ignore: [] }, secrets: [], secretFiles: [], reportPath: reportPathOf(inputs, name, deps), origin: { kind: 'build' } } as ImageSpec
  return { spec, report, failure: error }
}

/** The runs in progress, for a signal to write what they measured before the step is stopped. */
const inProgress = new Set<ImageRun>()

/**
 * One run: each image through its stages, then the writers. The report is written whatever
 * happens, with everything measured before a failure.
 */
export async function execute(inputs: Inputs, host: Host, deps: Deps): Promise<Outcome> {
  if (isBake(inputs)) return executeBake(inputs, host, deps)
  let runs: ImageRun[]
  try {
    const specs = await resolveSpecs(inputs, deps)
    runs = []
    for (const spec of specs) {
      runs.push(await runImage(spec, host, deps, { onStart: started => inProgress.add(started) }))
    }
  } catch (error) {
    runs = [await unresolvedRun(inputs, error, deps)]
  }
  const failures: string[] = []
  for (const run of runs) {
    failures.push(...(await writeRun(run, host, deps)))
    inProgress.delete(run)
  }
  const [first] = runs
  if (first.failure !== undefined) {
    for (const message of failures) host.error(message)
    throw first.failure
  }
  if (failures.length > 0) throw new Error(failures.join('\n'))
  return { report: first.report, reportPath: first.spec.reportPath, failed: failsStep(first.report.verdict, inputs['fail-on']) }
}

/**
 * A bake definition: every target one image, all built in one bake run, then measured, scanned and
 * budgeted each on its own; one report of schema version 2 and one comment for the run, a status
 * per image. The run fails when any image does.
 */
async function executeBake(inputs: Inputs, host: Host, deps: Deps): Promise<Outcome> {
  const name = inputs.name !== '' ? inputs.name : bakeRunName(inputs)
  const reportPath = reportPathOf(inputs, name, deps)
  const scrub = createScrubber(secretValues(inputs, deps.env))
  let runs: ImageRun[] = []
  // While bake builds, a cancelled step still leaves the run's report, saying so.
  const building = await unresolvedRun({ ...inputs, name }, new Error('The bake run had not finished'), deps)
  building.spec.reportPath = reportPath
  const bakeDir = await mkdtemp(path.join(deps.tempRoot, 'image-budget-bake-'))
  workFolders.add(bakeDir)
  try {
    const specs = await resolveSpecs(inputs, deps)
    await preflight(inputs, deps.cwd)
    let results: Map<string, BuildResult> | undefined
    let failure: unknown
    inProgress.add(building)
    try {
      results = await host.group(`Build ${specs.map(spec => spec.name).join(', ')} (bake)`, () =>
        runBake(inputs, specs.map(spec => ({ name: spec.name, tags: spec.inputs.tags })), { ...deps, host, dir: bakeDir })
      )
    } catch (error) {
      failure = error
    } finally {
      inProgress.delete(building)
    }
    const ignored = ignoredByBake(inputs)
    for (const spec of specs) {
      const run = await runImage(spec, host, deps, { onStart: started => inProgress.add(started), ...(results ? { bake: results } : {}) })
      if (failure !== undefined) {
        run.failure = failure
        run.report.verdict = 'fail'
        run.report.error = scrub((failure as Error).message)
      }
      if (ignored) run.report.notices = [...(run.report.notices ?? []), ignored]
      runs.push(run)
    }
  } catch (error) {
    runs = [await unresolvedRun({ ...inputs, name }, error, deps)]
  } finally {
    await rm(bakeDir, { recursive: true, force: true })
    workFolders.delete(bakeDir)
  }
  const failures = await writeManyRun({ name, reportPath, inputs, runs }, host, deps)
  for (const run of runs) inProgress.delete(run)
  const reports = runs.map(run => run.report)
  const { verdict } = combine(runs.map(run => ({ file: run.spec.reportPath, report: run.report })), [], [])
  const stopped = runs.filter(run => run.failure !== undefined)
  // As for one image: an image that could not be measured fails the step whatever fail-on says.
  if (stopped.length > 0 || failures.length > 0) {
    throw new Error(scrub([...stopped.map(run => `${run.report.name}: ${(run.failure as Error).message}`), ...failures].join('\n')))
  }
  const failureMessage = reports
    .filter(report => report.verdict === 'fail')
    .map(report => `${report.name}: ${budgetFailureMessage(report)}`)
    .join('\n')
  return { report: { ...reports[0], verdict }, reportPath, failed: failsStep(verdict, inputs['fail-on']), failureMessage }
}

/** Build inputs a bake run does not take (the definition says them), named in a notice. */
function ignoredByBake(inputs: Inputs): string | undefined {
  const names: InputName[] = [
    Input.BuildArgs, Input.BuildContexts, Input.Secrets, Input.SecretEnvs, Input.SecretFiles, Input.Platforms, Input.Tags, Input.Outputs,
    Input.CacheFrom, Input.CacheTo, Input.Attests, Input.Call, Input.Ssh, Input.File, Input.Target, Input.Labels, Input.Annotations
  ]
  const given = givenInputs(inputs, names)
  if (given.length === 0) return undefined
  return `Inputs ${given.map(input => `"${input}"`).join(', ')} are ignored with a bake definition: set them in the definition or with "set"`
}

/**
 * A cancelled step (SIGINT, SIGTERM) still leaves its report, with what was measured and why it
 * stopped, and no secret file behind it.
 */
export function onCancel(deps: Deps, host: Host, signal: NodeJS.Signals): Promise<void> {
  const pending = [...inProgress].map(async run => {
    run.report.verdict = 'fail'
    run.report.error = `The step was cancelled (${signal}) before the image was measured and budgeted`
    scrubDeep(run.report, createScrubber(secretValues(run.spec.inputs, deps.env)))
    await writeFileSafely(run.spec.reportPath, `${JSON.stringify(run.report, null, 2)}\n`, { roots: writeRoots(deps), what: 'the report' }).catch(() => undefined)
    host.setOutput(Output.Verdict, 'fail')
    host.setOutput(Output.Report, run.spec.reportPath)
  })
  for (const folder of workFolders) rmSync(folder, { recursive: true, force: true })
  forgetWorktreesSync()
  return Promise.all(pending).then(() => undefined)
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

export function handleSignals(deps: Deps, host: Host, exit: (code: number) => void = code => process.exit(code)): void {
  for (const [signal, code] of Object.entries(SIGNAL_EXIT) as Array<[NodeJS.Signals, number]>) {
    process.once(signal, () => {
      void onCancel(deps, host, signal).finally(() => exit(code))
    })
  }
}

/** The action's entry: read the inputs, run, and fail the step once, here, for any reason. */
export async function run(): Promise<void> {
  // Loaded here, not with the module: the CLI shares this module and never uses them.
  const core = await import('@actions/core')
  try {
    const deps = nodeDeps()
    let inputs: Inputs
    try {
      inputs = getInputs(name => core.getInput(name))
    } catch (error) {
      // Even unreadable inputs leave a report, named as well as the raw name input allows.
      const name = core.getInput(Input.Name) || 'image'
      const reportPath = reportPathOf({ report: core.getInput(Input.Report) }, name, deps)
      const report = { ...emptyReport(name), verdict: 'fail', error: (error as Error).message }
      const written = await writeFileSafely(reportPath, `${JSON.stringify(report, null, 2)}\n`, { roots: writeRoots(deps), what: 'the report' }).then(
        () => true,
        () => false
      )
      core.setOutput(Output.Verdict, 'fail')
      if (written) core.setOutput(Output.Report, reportPath)
      throw error
    }
    const { actionHost } = await import('./action-host.js')
    const host = actionHost(inputs.summary)
    handleSignals(deps, host)
    const context = await readGitHubContext(deps.env)
    if (context) {
      const token = inputs['github-token'] || deps.env.GITHUB_TOKEN || ''
      if (token) core.setSecret(token)
      deps.github = { context, ...(token ? { token, api: octokitApi(token, context.owner, context.repo, context.apiUrl) } : {}) }
    }
    // Combine mode: one verdict over the reports of other runs; nothing is built.
    if (isCombineMode(inputs)) return await combineStep(inputs, host, deps)
    deps.actionsCache = await probeActionsCache(deps.env, deps.fetch)
    if (deps.actionsCache && !deps.actionsCache.usable) {
      core.warning(`The GitHub Actions cache is not used in this run (layer index, baseline, Trivy DB): ${deps.actionsCache.reason}`)
    } else if (await actionsCacheAvailable()) {
      deps.layerCacheDir = path.join(deps.tempRoot, 'image-budget-layers', slugOf(imageName(inputs, deps.cwd)))
      deps.cache = actionsCacheBackend
    }
    const outcome = await execute(inputs, host, deps)
    if (outcome.failed) throw new BudgetExceededError(outcome)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
