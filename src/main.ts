import * as core from '@actions/core'
import { access, mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { actionHost } from './action-host.js'
import { failsStep, evaluateBudgets, verdictOf, type BudgetResult } from './budget/evaluate.js'
import { runBuild, type BuildResult } from './build/build.js'
import { probeActionsCache, type ActionsCacheState } from './build/actions-cache.js'
import { imageName, loadConfig, type Config } from './config/config.js'
import { InputError } from './config/errors.js'
import { getInputs, type Inputs } from './config/inputs.js'
import { formatSize } from './config/size.js'
import { Input, Output, Rule } from './constants.js'
import { createExec } from './exec.js'
import { systemClock, type Clock, type Exec, type Host } from './host.js'
import { analyzeImage } from './analysis/analyze.js'
import { finalStage, parseDockerfile, type Dockerfile } from './dockerfile/dockerfile.js'
import { OciDirectorySource, type BlobSource } from './image/blobs.js'
import { actionsCacheAvailable, actionsCacheBackend, restoreLayers, saveLayers, type CacheBackend } from './image/layer-cache.js'
import { LayerStore } from './image/layer-store.js'
import { resolveImage } from './image/measure.js'
import { openImageInput } from './image/source.js'
import { emptyReport, largestPlatform, type Report } from './report/report.js'
import { formatLimit, markdownSummary, textSummary } from './report/summary.js'
import { realSleep, type Sleep } from './scan/retry.js'
import { platformLayout } from './scan/scan.js'
import { scanStep, worstCounts } from './scan/scan-step.js'
import { applyBaseline, loadBaseline, saveBaseline } from './baseline/step.js'
import { octokitApi, type GitHubApi } from './github/api.js'
import { readGitHubContext, type GitHubContext } from './github/context.js'
import { publish } from './github/publish.js'
import { preflight } from './preflight.js'
import { commentMarker, fitComment } from './github/comment.js'
// Hostile files: bounded, confined reads and writes, names as safe slugs, secrets scrubbed.
import { baselineDir } from './baseline/step.js'
import { FILE_LIMITS, readRegularFile, requireRegularFile } from './files/safe-read.js'
import { writeFileSafely, writeRoots } from './files/safe-write.js'
import { slugOf } from './names.js'
import { createScrubber, scrubDeep, secretValues } from './secrets.js'
import { combineStep, isCombineMode } from './combine/run.js'

/** The side effects of a run besides the host: programs, clock, environment and places on disk. */
export interface Deps {
  exec: Exec
  clock: Clock
  env: NodeJS.ProcessEnv
  cwd: string
  /** Where the run's private work folder is made (RUNNER_TEMP on GitHub). */
  tempRoot: string
  /** Where layer entries are kept between runs; without it, they last for this run only. */
  layerCacheDir?: string
  /** Keeps folders (layer index, Trivy and its DB) in the Actions cache between runs (on GitHub). */
  cache?: CacheBackend
  /** Where Trivy is installed and keeps its DB: paths that stay the same from run to run. */
  toolDir: string
  trivyCacheDir: string
  sleep: Sleep
  fetch: typeof fetch
  /** Where Trivy releases are downloaded from (tests serve them locally). */
  trivyReleases?: string
  /** What a probe of the Actions cache service found, when the runner offers one. */
  actionsCache?: ActionsCacheState
  /** The run on GitHub, and the API to comment and set statuses with (absent for the CLI). */
  github?: { context: GitHubContext; api?: GitHubApi; token?: string }
}

export interface Outcome {
  report: Report
  reportPath: string
  /** Whether the budgets fail the step, as `fail-on` asks. */
  failed: boolean
}

/** The version written into SARIF files. */
export const ACTION_VERSION = '1.0.0'

/** Ends a run whose build was a `call` (checks, outline): there is no image to measure. */
class CallOnly extends Error {}

export class BudgetExceededError extends Error {
  constructor(readonly outcome: Outcome) {
    super(budgetFailureMessage(outcome.report))
    this.name = 'BudgetExceededError'
  }
}

function describeBudget(result: BudgetResult): string {
  const side = result.rule === Rule.MinEfficiency ? 'under' : 'over'
  return `${result.rule} on ${result.platform}: ${formatLimit(result.unit, result.actual)} is ${side} the limit of ${formatLimit(result.unit, result.limit)}`
}

function budgetFailureMessage(report: Report): string {
  const broken = report.budgets.filter(result => result.status !== 'pass').map(describeBudget)
  const smells = report.smells.map(smell => `${smell.rule}: ${smell.message}`)
  if (report.call) return `Dockerfile checks failed: ${report.call.checks.map(check => `${check.rule}${check.line ? ` (line ${check.line})` : ''}`).join('; ')}`
  return `Image budget exceeded: ${[...broken, ...smells].join('; ')}`
}

/** Line of the Dockerfile that a budget result points at: the layer that broke a per-layer budget. */
function budgetLine(report: Report, result: BudgetResult): number | undefined {
  if (!result.layer) return undefined
  return report.platforms.find(platform => platform.platform === result.platform)?.layers.find(layer => layer.digest === result.layer)?.line
}

/** Annotations on the Dockerfile's lines: every smell, and every budget that is broken. */
function annotate(host: Host, report: Report, dockerfile: Dockerfile | undefined): void {
  for (const result of report.budgets) {
    if (result.status === 'pass') continue
    const line = budgetLine(report, result)
    const properties = { title: `image-budget: ${result.rule}`, ...(dockerfile && line ? { file: dockerfile.path, startLine: line } : {}) }
    if (result.status === 'fail') host.error(describeBudget(result), properties)
    else host.warning(describeBudget(result), properties)
  }
  for (const smell of report.smells) {
    const properties = { title: `image-budget: ${smell.rule}`, ...(smell.file && smell.line ? { file: smell.file, startLine: smell.line } : {}) }
    if (smell.level === 'error') host.error(smell.message, properties)
    else host.warning(smell.message, properties)
  }
}

export function nodeDeps(): Deps {
  const tempRoot = process.env.RUNNER_TEMP || os.tmpdir()
  return {
    exec: createExec(),
    clock: systemClock,
    env: process.env,
    cwd: process.cwd(),
    tempRoot,
    toolDir: path.join(tempRoot, 'image-budget-trivy', 'bin'),
    trivyCacheDir: path.join(tempRoot, 'image-budget-trivy', 'cache'),
    sleep: realSleep,
    fetch: globalThis.fetch
  }
}

/** `report.json` → `report.comment.md`. */
export function commentPath(reportPath: string): string {
  return `${reportPath.replace(/\.json$/, '')}.comment.md`
}

export function defaultReportPath(name: string, deps: Pick<Deps, 'tempRoot'>): string {
  return path.join(deps.tempRoot, 'image-budget', `${slugOf(name)}.json`)
}

const isRemoteContext = (context: string): boolean => /^[a-z]+:\/\/|^git@/.test(context)

/**
 * Reads the Dockerfile before building, failing with the input's name when it or the context is
 * missing. Undefined for a remote context whose Dockerfile is not local.
 */
async function readDockerfile(inputs: Inputs, cwd: string): Promise<Dockerfile | undefined> {
  if (isRemoteContext(inputs.context) && inputs.file === '') return undefined
  if (isRemoteContext(inputs.context)) {
    const file = path.resolve(cwd, inputs.file)
    return parseDockerfile(path.relative(cwd, file), await readRegularFile(file, FILE_LIMITS[Input.File]))
  }
  const context = path.resolve(cwd, inputs.context)
  const contextStat = await stat(context).catch(() => undefined)
  if (!contextStat?.isDirectory()) {
    throw new InputError(`Input "${Input.Context}": "${inputs.context}" is not a directory (resolved to ${context})`)
  }
  const dockerfile = inputs.file !== '' ? path.resolve(cwd, inputs.file) : path.join(context, 'Dockerfile')
  let text: string
  try {
    text = await readRegularFile(dockerfile, FILE_LIMITS[Input.File])
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`
    const shown = inputs.file !== '' ? inputs.file : path.relative(cwd, dockerfile)
    throw new InputError(`Input "${Input.File}": the Dockerfile "${shown}" ${problem} (resolved to ${dockerfile})`)
  }
  const parsed = parseDockerfile(path.relative(cwd, dockerfile), text)
  // A target that is not a stage fails here, with the input's name, rather than in the build.
  finalStage(parsed, inputs.target)
  return parsed
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
  // What was pushed, as the registry knows the tag; otherwise buildx's own word, as build-push-action gives it.
  const digest = build?.pushedDigest ?? (typeof metadataDigest === 'string' ? metadataDigest : (report.digest ?? ''))
  const imageId = build?.imageId ?? (typeof metadataConfig === 'string' ? metadataConfig : (ids.engineImageId ?? ids.configDigest ?? digest))
  host.setOutput(Output.Verdict, report.verdict)
  host.setOutput(Output.Report, reportPath)
  host.setOutput(Output.Size, largest ? String(largest.size) : '')
  host.setOutput(Output.CompressedSize, largest ? String(largest.compressedSize) : '')
  host.setOutput(Output.Digest, build?.call ? '' : digest)
  host.setOutput(Output.ImageId, build?.call ? '' : imageId)
  host.setOutput(Output.Metadata, build && !build.call ? JSON.stringify(build.metadata) : '')
}

/** `call: check` findings as annotations on the Dockerfile's lines, and as the run's verdict. */
function reportChecks(host: Host, report: Report, build: BuildResult, dockerfile: Dockerfile | undefined): void {
  const call = build.call!
  const checks = call.checks ?? []
  report.call = { method: call.method, checks }
  for (const check of checks) {
    const where = dockerfile && check.line ? { file: dockerfile.path, startLine: check.line } : {}
    host.warning(`${check.detail || check.description} (${check.url})`, { title: `image-budget: check ${check.rule}`, ...where })
  }
  if (call.method !== 'check') host.info(call.output)
  report.verdict = checks.length > 0 ? 'fail' : 'pass'
}

/**
 * One run: configuration, build (or an existing image), measurement, budgets and the report. The
 * report is written whatever happens, with everything measured before a failure.
 */
export async function execute(inputs: Inputs, host: Host, deps: Deps): Promise<Outcome> {
  const name = imageName(inputs, deps.cwd)
  const reportPath = inputs.report !== '' ? path.resolve(deps.cwd, inputs.report) : defaultReportPath(name, deps)
  const report = emptyReport(name)
  let build: BuildResult | undefined
  let sarifPath: string | undefined
  const ids: ImageIds = {}
  await mkdir(deps.tempRoot, { recursive: true })
  const workDir = await mkdtemp(path.join(deps.tempRoot, 'image-budget-'))
  report.createdAt = new Date(deps.clock.now()).toISOString()
  if (deps.github?.context.sha) report.commit = deps.github.context.sha
  const pullRequest = deps.github?.context.pullRequest
  if (pullRequest) report.pullRequest = { number: pullRequest.number, head: pullRequest.headSha }
  const baselineDeps = {
    host,
    cwd: deps.cwd,
    env: deps.env,
    fetch: deps.fetch,
    cache: deps.cache,
    github: deps.github?.context,
    dir: baselineDir(deps.tempRoot, name)
  }
  let failure: unknown
  try {
    const config: Config = await loadConfig(inputs, {
      cwd: deps.cwd,
      readText: file => readRegularFile(file, FILE_LIMITS[Input.BudgetFile]),
      exists: file => access(file).then(() => true, () => false)
    })
    report.name = config.name
    for (const secret of config.secretFiles) await requireRegularFile(Input.SecretFiles, `${secret.id}=${path.relative(deps.cwd, secret.path)}`, secret.path)
    if (config.budgetFile) host.info(`Budgets from ${config.budgetFile}`)
    await preflight(inputs, deps.cwd)

    let source: BlobSource
    let dockerfile: Dockerfile | undefined
    let archive: string | undefined
    if (inputs.image !== '') {
      const opened = await host.group(`Open image ${inputs.image}`, () => openImageInput(inputs.image, { ...deps, workDir }))
      source = opened.source
      archive = opened.archive
      ids.engineImageId = opened.imageId
    } else {
      dockerfile = await readDockerfile(inputs, deps.cwd)
      const github = deps.github
      const run = github
        ? { runAttemptUrl: github.context.runAttemptUrl, privateRepository: github.context.privateRepository, serverUrl: github.context.serverUrl, token: github.token ?? '' }
        : undefined
      const built = await host.group(`Build ${config.name}`, () => runBuild(config, { ...deps, host, workDir, run, actionsCache: deps.actionsCache }))
      build = built
      report.build = { seconds: built.seconds, steps: built.steps, cachedSteps: built.cachedSteps, ...(built.actionsCache ? { actionsCache: built.actionsCache } : {}) }
      if (built.ociDir === undefined) {
        reportChecks(host, report, built, dockerfile)
        throw new CallOnly()
      }
      source = new OciDirectorySource(built.ociDir)
    }
    const ociDir = build?.ociDir

    const image = await host.group(`Measure ${config.name}`, async () => {
      const resolved = await resolveImage(source)
      report.digest = resolved.digest
      if (resolved.platforms.length === 1) ids.configDigest = resolved.platforms[0].config.digest
      const store = new LayerStore(deps.layerCacheDir ?? path.join(workDir, 'layers'))
      const kept = deps.cache && deps.layerCacheDir ? { backend: deps.cache, dir: deps.layerCacheDir, name: config.name, env: deps.env } : undefined
      const restoredKey = kept ? await restoreLayers(kept, host) : undefined
      report.smells = await analyzeImage({
        source,
        image: resolved,
        store,
        dockerfile,
        target: inputs.target,
        contextDir: dockerfile && !isRemoteContext(inputs.context) ? path.resolve(deps.cwd, inputs.context) : undefined,
        settings: config.smells,
        onLayer: (platform, index, layer) =>
          host.info(`${platform}: reading layer ${index + 1}, ${layer.digest} (${formatSize(layer.size)} compressed)`),
        // Each platform joins the report as soon as it is measured, so a later failure keeps it.
        onPlatform: platform => report.platforms.push(platform)
      })
      if (kept) await saveLayers(kept, store, restoredKey, host)
      return resolved
    })

    // The scan opens log groups of its own (install, one per platform): Actions does not nest them.
    const scanned = await scanStep(
      {
        inputs,
        report,
        platforms: image.platforms,
        targetFor: async (platform, dir) => {
          if (ociDir) return { kind: 'layout', dir: await platformLayout(ociDir, platform.manifest, dir), platform: platform.platform }
          if (archive) return { kind: 'archive', file: archive, platform: platform.platform }
          return { kind: 'registry', reference: inputs.image, platform: platform.platform }
        },
        dockerfile: dockerfile?.path,
        version: ACTION_VERSION
      },
      { ...deps, host, workDir, releases: deps.trivyReleases }
    )
    sarifPath = scanned.sarifPath

    const baseline = await loadBaseline(inputs, config.name, baselineDeps)
    if (baseline) applyBaseline(report, baseline)
    report.budgets = evaluateBudgets(config.budgets, report.platforms)
    report.verdict = verdictOf(report.budgets, report.smells)
    annotate(host, report, dockerfile)
  } catch (error) {
    if (!(error instanceof CallOnly)) {
      failure = error
      report.verdict = 'fail'
      report.error = (error as Error).message
    }
  }

  // Nothing a program printed reaches the report, the comment, the summary or the API with a secret in it.
  scrubDeep(report, createScrubber(secretValues(inputs, deps.env)))
  // Each write is tried; those that fail are reported once the outputs and the summary are out.
  const writeFailures: string[] = []
  const write = (file: string, what: string, text: string): Promise<void> =>
    writeFileSafely(file, text, { roots: writeRoots(deps), what }).catch((error: Error) => {
      writeFailures.push(error.message)
    })
  await write(reportPath, 'the report', `${JSON.stringify(report, null, 2)}\n`)
  // The comment as Markdown beside the report, for commenting from a workflow_run (fork pull requests).
  await write(commentPath(reportPath), 'the comment', fitComment(markdownSummary(report, { runUrl: deps.github?.context.runUrl }), commentMarker(report.name)))
  setOutputs(host, report, reportPath, build, ids)
  host.setOutput(Output.Vulnerabilities, report.scan && !report.scan.error ? JSON.stringify(worstCounts(report.platforms)) : '')
  host.setOutput(Output.Sarif, sarifPath ?? '')
  const sizeDelta = largestPlatform(report)?.delta?.size
  host.setOutput(Output.SizeDelta, sizeDelta === undefined || sizeDelta === null ? '' : String(sizeDelta))
  await host.present(markdownSummary(report, { chart: true }), textSummary(report))
  if (failure === undefined && writeFailures.length === 0 && !build?.call) await saveBaseline(inputs, report.name, reportPath, baselineDeps)
  await publish(report, inputs, deps.github?.context, deps.github?.api, host)
  await rm(workDir, { recursive: true, force: true })
  if (failure !== undefined) {
    for (const message of writeFailures) host.error(message)
    throw failure
  }
  if (writeFailures.length > 0) throw new Error(writeFailures.join('\n'))
  return { report, reportPath, failed: failsStep(report.verdict, inputs['fail-on']) }
}

/** The action's entry: read the inputs, run, and fail the step once, here, for any reason. */
export async function run(): Promise<void> {
  try {
    const inputs = getInputs(name => core.getInput(name))
    const deps = nodeDeps()
    const context = await readGitHubContext(deps.env)
    if (context) {
      const token = inputs['github-token'] || deps.env.GITHUB_TOKEN || ''
      if (token) core.setSecret(token)
      deps.github = { context, ...(token ? { token, api: octokitApi(token, context.owner, context.repo, context.apiUrl) } : {}) }
    }
    // Combine mode: one verdict over the reports of other runs; nothing is built.
    if (isCombineMode(inputs)) return await combineStep(inputs, actionHost(inputs.summary), deps)
    deps.actionsCache = await probeActionsCache(deps.env, deps.fetch)
    if (deps.actionsCache && !deps.actionsCache.usable) {
      core.warning(`The GitHub Actions cache is not used in this run (layer index, baseline, Trivy DB): ${deps.actionsCache.reason}`)
    } else if (actionsCacheAvailable()) {
      const scope = slugOf(imageName(inputs, deps.cwd))
      deps.layerCacheDir = path.join(deps.tempRoot, 'image-budget-layers', scope)
      deps.cache = actionsCacheBackend
    }
    const outcome = await execute(inputs, actionHost(inputs.summary), deps)
    if (outcome.failed) throw new BudgetExceededError(outcome)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
