import * as core from '@actions/core'
import { access, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { actionHost } from './action-host.js'
import { failsStep, evaluateBudgets, verdictOf, type BudgetResult } from './budget/evaluate.js'
import { runBuild, type BuildResult } from './build/build.js'
import { cacheScope } from './build/args.js'
import { defaultName, loadConfig, type Config } from './config/config.js'
import { InputError } from './config/errors.js'
import { getInputs, type Inputs } from './config/inputs.js'
import { formatSize } from './config/size.js'
import { Input, Output, Rule } from './constants.js'
import { createExec } from './exec.js'
import { systemClock, type Clock, type Exec, type Host } from './host.js'
import { OciDirectorySource, type BlobSource } from './image/blobs.js'
import { measureImage, resolveImage } from './image/measure.js'
import { openImageInput } from './image/source.js'
import { emptyReport, largestPlatform, platformReport, type Report } from './report/report.js'
import { markdownSummary, textSummary } from './report/summary.js'

/** The side effects of a run besides the host: programs, clock, environment and places on disk. */
export interface Deps {
  exec: Exec
  clock: Clock
  env: NodeJS.ProcessEnv
  cwd: string
  /** Where the run's private work folder is made (RUNNER_TEMP on GitHub). */
  tempRoot: string
  fetch?: typeof fetch
}

export interface Outcome {
  report: Report
  reportPath: string
  /** Whether the budgets fail the step, as `fail-on` asks. */
  failed: boolean
}

export class BudgetExceededError extends Error {
  constructor(readonly outcome: Outcome) {
    super(budgetFailureMessage(outcome.report.budgets))
    this.name = 'BudgetExceededError'
  }
}

function describeBudget(result: BudgetResult): string {
  const value = (bytes: number): string => (result.rule === Rule.MaxLayers ? String(bytes) : formatSize(bytes))
  return `${result.rule} on ${result.platform}: ${value(result.actual)} is over the limit of ${value(result.limit)}`
}

function budgetFailureMessage(results: BudgetResult[]): string {
  const broken = results.filter(result => result.status !== 'pass')
  return `Image budget exceeded: ${broken.map(describeBudget).join('; ')}`
}

export function nodeDeps(): Deps {
  return {
    exec: createExec(),
    clock: systemClock,
    env: process.env,
    cwd: process.cwd(),
    tempRoot: process.env.RUNNER_TEMP || os.tmpdir()
  }
}

export function defaultReportPath(name: string, deps: Pick<Deps, 'tempRoot'>): string {
  return path.join(deps.tempRoot, 'image-budget', `${cacheScope(name)}.json`)
}

const isRemoteContext = (context: string): boolean => /^[a-z]+:\/\/|^git@/.test(context)

/** Fails before building when the Dockerfile or the context is missing, naming the input. */
async function checkBuildFiles(inputs: Inputs, cwd: string): Promise<void> {
  if (isRemoteContext(inputs.context)) return
  const context = path.resolve(cwd, inputs.context)
  const contextStat = await stat(context).catch(() => undefined)
  if (!contextStat?.isDirectory()) {
    throw new InputError(`Input "${Input.Context}": "${inputs.context}" is not a directory (resolved to ${context})`)
  }
  const dockerfile = inputs.file !== '' ? path.resolve(cwd, inputs.file) : path.join(context, 'Dockerfile')
  try {
    await readFile(dockerfile)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`
    const shown = inputs.file !== '' ? inputs.file : path.relative(cwd, dockerfile)
    throw new InputError(`Input "${Input.File}": the Dockerfile "${shown}" ${problem} (resolved to ${dockerfile})`)
  }
}

interface ImageIds {
  /** The engine's image ID, when an existing local image was measured. */
  engineImageId?: string
  /** The config digest of a single-platform image. */
  configDigest?: string
}

/**
 * Outputs as docker/build-push-action defines them: `digest` and `imageid` from buildx's metadata;
 * for an existing image, its digest and its ID (the config digest, or the index digest when it has
 * several platforms, as buildx reports it).
 */
function setOutputs(host: Host, report: Report, reportPath: string, build: BuildResult | undefined, ids: ImageIds): void {
  const largest = largestPlatform(report)
  const metadata = build?.metadata ?? {}
  const metadataDigest = metadata['containerimage.digest']
  const metadataConfig = metadata['containerimage.config.digest']
  const digest = typeof metadataDigest === 'string' ? metadataDigest : (report.digest ?? '')
  const imageId = typeof metadataConfig === 'string' ? metadataConfig : (ids.engineImageId ?? ids.configDigest ?? digest)
  host.setOutput(Output.Verdict, report.verdict)
  host.setOutput(Output.Report, reportPath)
  host.setOutput(Output.Size, largest ? String(largest.size) : '')
  host.setOutput(Output.CompressedSize, largest ? String(largest.compressedSize) : '')
  host.setOutput(Output.Digest, digest)
  host.setOutput(Output.ImageId, imageId)
  host.setOutput(Output.Metadata, build ? JSON.stringify(build.metadata) : '')
}

/**
 * One run: configuration, build (or an existing image), measurement, budgets and the report. The
 * report is written whatever happens, with everything measured before a failure.
 */
export async function execute(inputs: Inputs, host: Host, deps: Deps): Promise<Outcome> {
  const name = inputs.name !== '' ? inputs.name : defaultName(inputs, deps.cwd)
  const reportPath = inputs.report !== '' ? path.resolve(deps.cwd, inputs.report) : defaultReportPath(name, deps)
  const report = emptyReport(name)
  let build: BuildResult | undefined
  const ids: ImageIds = {}
  await mkdir(deps.tempRoot, { recursive: true })
  const workDir = await mkdtemp(path.join(deps.tempRoot, 'image-budget-'))
  let failure: unknown
  try {
    const config: Config = await loadConfig(inputs, {
      cwd: deps.cwd,
      readText: file => readFile(file, 'utf8'),
      exists: file => access(file).then(() => true, () => false)
    })
    report.name = config.name
    if (config.budgetFile) host.info(`Budgets from ${config.budgetFile}`)

    let source: BlobSource
    if (inputs.image !== '') {
      const opened = await host.group(`Open image ${inputs.image}`, () => openImageInput(inputs.image, { ...deps, workDir }))
      source = opened.source
      ids.engineImageId = opened.imageId
    } else {
      await checkBuildFiles(inputs, deps.cwd)
      build = await host.group(`Build ${config.name}`, () => runBuild(config, { ...deps, host, workDir }))
      report.build = { seconds: build.seconds, steps: build.steps, cachedSteps: build.cachedSteps }
      source = new OciDirectorySource(build.ociDir)
    }

    await host.group(`Measure ${config.name}`, async () => {
      const image = await resolveImage(source)
      report.digest = image.digest
      if (image.platforms.length === 1) ids.configDigest = image.platforms[0].config.digest
      // Each platform joins the report as soon as it is measured, so a later failure keeps it.
      await measureImage(source, image, {
        onLayer: (platform, index, layer) =>
          host.info(`${platform}: reading layer ${index + 1}, ${layer.digest} (${formatSize(layer.size)} compressed)`),
        onPlatform: platform => report.platforms.push(platformReport(platform))
      })
    })
    report.budgets = evaluateBudgets(config.budgets, report.platforms)
    report.verdict = verdictOf(report.budgets)
    for (const result of report.budgets) {
      if (result.status === 'fail') host.error(describeBudget(result), { title: 'image-budget' })
      if (result.status === 'warn') host.warning(describeBudget(result), { title: 'image-budget' })
    }
  } catch (error) {
    failure = error
    report.verdict = 'fail'
    report.error = (error as Error).message
  }

  await mkdir(path.dirname(reportPath), { recursive: true })
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  setOutputs(host, report, reportPath, build, ids)
  await host.present(markdownSummary(report), textSummary(report))
  await rm(workDir, { recursive: true, force: true })
  if (failure !== undefined) throw failure
  return { report, reportPath, failed: failsStep(report.verdict, inputs['fail-on']) }
}

/** The action's entry: read the inputs, run, and fail the step once, here, for any reason. */
export async function run(): Promise<void> {
  try {
    const inputs = getInputs(name => core.getInput(name))
    const outcome = await execute(inputs, actionHost(inputs.summary), nodeDeps())
    if (outcome.failed) throw new BudgetExceededError(outcome)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
