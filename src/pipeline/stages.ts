// The stages of one image, in order: prepare → build | open → measure → scan → compare → judge.
// Each takes the spec (and what earlier stages returned) and returns a value; side effects come in
// through the context. Only scan writes into the report it is handed, the findings of each platform.
import { randomBytes } from 'node:crypto'
import { mkdir, realpath, stat } from 'node:fs/promises'
import * as path from 'node:path'
import type { Readable } from 'node:stream'
import { analyzeImage } from '../analysis/analyze.js'
import type { Smell } from '../analysis/smells.js'
import { applyBaseline, baselineDir, loadBaseline } from '../baseline/step.js'
import { baselineFromReport, type Baseline } from '../baseline/baseline.js'
import { addWorktree, findMergeBase, isCommitted, repositoryRoot, treePath } from '../baseline/git.js'
import { isPullRequest, type GitHubContext } from '../github/context.js'
import { evaluateBudgets, verdictOf, type BudgetResult, type Verdict } from '../budget/evaluate.js'
import { baseBuildInputs, cacheSpecs, isRemoteContext, measuredFromRegistry, refuseRemoteBase, refuseStdoutOutputs } from '../build/args.js'
import { chosenExportMode, engineOnThisHost, imageStore, runBuild, type BuildDeps, type BuildResult, type ImageStore } from '../build/build.js'
import { InputError } from '../config/errors.js'
import { trivyScans, type Inputs } from '../config/inputs.js'
import { formatSize } from '../config/size.js'
import { Input } from '../constants.js'
import { finalStage, parseDockerfile, type Dockerfile } from '../dockerfile/dockerfile.js'
import { FILE_LIMITS, readRegularFile } from '../files/safe-read.js'
import type { Host } from '../host.js'
import { OciDirectorySource, type BlobSource } from '../image/blobs.js'
import { restoreLayers, saveLayers, type KeptLayers } from '../image/layer-cache.js'
import { LayerStore } from '../image/layer-store.js'
import type { ResolvedImage } from '../image/measure.js'
import { formatReference, parseReference } from '../image/reference.js'
import { dockerConfigAuth, RegistrySource } from '../image/registry.js'
import { PushSink } from '../image/push-sink.js'
import { openImageInput } from '../image/source.js'
import { resolveForMeasuring, StreamedLayoutSource } from '../image/streamed-layout.js'
import { BlobIntegrityError } from '../image/verify.js'
import { preflight } from '../preflight.js'
import type { PlatformReport, Report } from '../report/report.js'
import { platformLayout } from '../scan/scan.js'
import { scanStep } from '../scan/scan-step.js'
import type { RunDeps } from './deps.js'
import type { ImageSpec } from './spec.js'

/** The version written into SARIF files. */
export const ACTION_VERSION = '1.0.0'

export interface StageContext extends RunDeps {
  host: Host
  /** The results of the run's one bake build, by target, when the specs come from a bake definition. */
  bake?: Map<string, BuildResult>
  /** This image's private folder: secrets, metadata and the layout live here, and go with it. */
  workDir: string
}

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

export interface Prepared {
  dockerfile?: Dockerfile
}

/** Every input that names a file, version or reference is checked, and the Dockerfile read: before anything is built. */
export async function prepare(spec: ImageSpec, context: StageContext): Promise<Prepared> {
  if (spec.budgetFile) context.host.info(`Budgets from ${spec.budgetFile}`)
  await preflight(spec.inputs, context.cwd)
  checkBaseBuild(spec, context)
  if (spec.origin.kind === 'build') refuseStdoutOutputs(spec.inputs)
  if (spec.origin.kind === 'image') return {}
  return { dockerfile: await readDockerfile(spec.inputs, context.cwd) }
}

export interface Produced {
  /** Where the image's blobs are read from; absent when a `call` evaluated the build instead. */
  source?: BlobSource
  /** The layer store, opened before a build that is read as it exports; measure opens it otherwise. */
  layers?: OpenedLayers
  build?: BuildResult
  /** The archive `docker image save` wrote, for a local engine image: what Trivy scans. */
  archive?: string
  /** The pushed image by digest, when it is measured from its registry: what Trivy scans. */
  pushed?: string
  engineImageId?: string
  /** Removes what the step left in the engine to measure (a name it loaded the build as), once the run is over. */
  release?: () => Promise<void>
}

/** The layer store of one image, with what the Actions cache restored into it. */
export interface OpenedLayers {
  store: LayerStore
  kept?: KeptLayers
  restoredKey?: string
}

/** Opens the layer store, restoring the image's layer index from the Actions cache when there is one. */
async function openLayers(spec: ImageSpec, context: StageContext): Promise<OpenedLayers> {
  const store = new LayerStore(context.layerCacheDir ?? path.join(context.workDir, 'layers'))
  const kept = context.cache && context.layerCacheDir ? { backend: context.cache, dir: context.layerCacheDir, name: spec.name, env: context.env } : undefined
  const restoredKey = kept ? await restoreLayers(kept, context.host) : undefined
  return { store, kept, restoredKey }
}

const streamedLayerNote = (host: Host) => (digest: string, size: number) => host.info(`reading layer ${digest} (${formatSize(size)} compressed) as the image streams`)

/**
 * Builds an image that is not pushed and opens what it exported: pushed to the step's registry
 * (`export-mode: registry`, what auto picks where the builder reaches it), the layout folder buildx
 * wrote (`folder`), or (`stream`) the OCI tar on buildx's standard output, read as it comes with no
 * copy on disk; then with `keepLayout` (Trivy scans it) its blobs are also written to a layout
 * folder as they pass.
 */
async function exportedBuild(spec: ImageSpec, deps: BuildDeps, context: StageContext, keepLayout: boolean): Promise<Produced> {
  const { host } = context
  const keepIn = keepLayout ? path.join(deps.workDir, 'oci') : undefined
  // Asked here once: the build's defaults depend on it too.
  const store = await imageStore(context.exec, spec.inputs.builder, context.cwd)
  const requested = spec.inputs['export-mode']
  const mode = chosenExportMode(requested, store, requested === 'auto' && store === 'containerd' && (await engineOnThisHost(context.exec, context.cwd)))
  // The classic store's load says so itself.
  if (requested === 'auto' && store !== 'classic') host.info(autoModeNote(mode, store))
  if (mode === 'registry') return pushedToStep(spec, deps, context, keepIn, store)
  const known = { ...deps, imageStore: store }
  if (store === 'classic') return loadedIntoEngine(spec, known, context, keepLayout)
  if (mode === 'folder') {
    const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, known))
    return { build, source: new OciDirectorySource(build.ociDir!) }
  }
  const layers = await openLayers(spec, context)
  const source = new StreamedLayoutSource(`the build of ${spec.name}`, () => {
    throw new BlobIntegrityError(`the build of ${spec.name} exported no image to read`)
  })
  const exportTo = (stdout: Readable): Promise<void> => source.readFrom({ stream: stdout, finished: Promise.resolve() }, layers.store, streamedLayerNote(host), keepIn)
  const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, { ...known, exportTo }))
  return { build: { ...build, ...(keepIn ? { ociDir: keepIn } : {}) }, source, layers }
}

/** What `export-mode: auto` chose, and why, for the log. */
function autoModeNote(mode: 'folder' | 'stream' | 'registry', store: ImageStore): string {
  if (mode === 'registry') {
    return 'export-mode auto: the build is pushed to a registry the step serves on 127.0.0.1 (the docker driver of an engine on this machine, with the containerd image store), which is sent only the layers not read before'
  }
  const builder = typeof store === 'object' ? `the ${store.driver || 'unknown'} driver, whose BuildKit does not reach 127.0.0.1 of this machine` : 'an engine that is not on this machine'
  return `export-mode auto: the build is written to an OCI layout folder (${builder})`
}

/**
 * `export-mode: registry`: the build pushes the image to a registry the step serves on 127.0.0.1,
 * which says it has every layer the layer store read before (never sent) and reads the others as
 * they are pushed. Only a builder on this machine's network reaches it: the docker driver's.
 */
async function pushedToStep(spec: ImageSpec, deps: BuildDeps, context: StageContext, keepIn: string | undefined, store: ImageStore): Promise<Produced> {
  const { host } = context
  if (typeof store === 'object') {
    const builder = spec.inputs.builder === '' ? 'the current builder' : `builder "${spec.inputs.builder}"`
    throw new InputError(`Input "${Input.ExportMode}": "registry" needs a builder that reaches 127.0.0.1 of this machine (the docker driver), and ${builder} uses the ${store.driver || 'unknown'} driver: use folder or stream`)
  }
  if (store === 'classic') {
    // On the classic store the engine stores the image and pushes it itself, in chunks: untested, and refused rather than half taken.
    throw new InputError(`Input "${Input.ExportMode}": "registry" needs an engine with the containerd image store, and this engine uses the classic store: use folder or stream`)
  }
  // Refused before the layer index is restored: nothing is fetched for a build that cannot run.
  const layers = await openLayers(spec, context)
  const sink = new PushSink(`the build of ${spec.name}`, layers.store, streamedLayerNote(host), keepIn)
  const pushTo = await sink.start()
  let build: BuildResult
  let source: BlobSource
  try {
    build = await host.group(`Build ${spec.name}`, () => runBuild(spec, { ...deps, pushTo, imageStore: store }))
    source = await sink.finish()
    const { blobs, bytes, layersHad } = sink.traffic
    host.info(`The build sent ${blobs} blobs (${formatSize(bytes)}) to the step; ${layersHad.size} layers read before were not sent`)
  } catch (error) {
    await sink.abandon()
    throw error
  }
  return { build: { ...build, ...(keepIn ? { ociDir: keepIn } : {}) }, source, layers }
}

/**
 * A docker driver on the classic image store exports no OCI layout (buildx refuses): the build is
 * loaded into the engine under a name of the step's, measured from there as an engine image is,
 * and that name removed once the run is over (the user's tags stay when `load` asked for them).
 */
async function loadedIntoEngine(spec: ImageSpec, deps: BuildDeps, context: StageContext, archiveNeeded: boolean): Promise<Produced> {
  const { host } = context
  if (spec.inputs.platforms.length > 1) {
    throw new InputError(
      `Input "${Input.Platforms}": "${spec.inputs.platforms.join(',')}" needs the docker-container driver (docker/setup-buildx-action) or the containerd image store, and this engine's docker driver keeps images in the classic store, which holds one platform`
    )
  }
  const loadAs = `image-budget-${randomBytes(12).toString('hex')}:measured`
  host.info(`The engine keeps images in its classic store, from which buildx exports no OCI layout: the build is loaded into the engine as ${loadAs} and measured there`)
  const release = async (): Promise<void> => {
    const removed = await context.exec('docker', ['image', 'rm', loadAs], { silent: true, cwd: context.cwd })
    // A build that failed loaded nothing.
    if (removed.exitCode !== 0 && !/No such image/i.test(removed.stderr)) host.warning(`${loadAs} could not be removed from the engine: ${removed.stderr.trim()}`)
  }
  try {
    const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, { ...deps, loadAs }))
    const opened = await openImageInput(loadAs, { ...context, archiveNeeded })
    if (opened.origin !== 'engine') throw new Error(`the build was not loaded into the engine as ${loadAs}`)
    return { build, source: opened.source, archive: opened.archive, release }
  } catch (error) {
    await release()
    throw error
  }
}

/** Builds the image (build) or finds the existing one (open). */
export async function produce(spec: ImageSpec, context: StageContext): Promise<Produced> {
  const { host } = context
  if (spec.origin.kind === 'image') {
    const reference = spec.origin.reference
    const opened = await host.group(`Open image ${reference}`, () => openImageInput(reference, { ...context, archiveNeeded: trivyScans(spec.inputs) }))
    return { source: opened.source, archive: opened.archive, engineImageId: opened.imageId }
  }
  if (spec.origin.kind === 'bake') {
    const build = context.bake?.get(spec.origin.target)
    if (!build) throw new Error(`the bake run has no result for target ${spec.origin.target}`)
    return { build, source: new OciDirectorySource(build.ociDir!) }
  }
  const github = context.github
  const run = github
    ? { runAttemptUrl: github.context.runAttemptUrl, privateRepository: github.context.privateRepository, serverUrl: github.context.serverUrl, token: github.token ?? '', repository: `${github.context.owner}/${github.context.repo}` }
    : undefined
  const deps: BuildDeps = { ...context, run, actionsCache: context.actionsCache }
  if (spec.inputs.call !== '') return { build: await host.group(`Build ${spec.name}`, () => runBuild(spec, deps)) }
  if (!measuredFromRegistry(spec.inputs)) return exportedBuild(spec, deps, context, trivyScans(spec.inputs))
  const build = await host.group(`Build ${spec.name}`, () => runBuild(spec, deps))
  try {
    const pushed = await pushedSource(spec.inputs.tags[0], build, context)
    return { build, source: pushed.source, pushed: pushed.reference }
  } catch (error) {
    // Credentials the registry wants may live where only the engine reads them (a credential helper).
    host.warning(`The pushed image could not be read from its registry (${(error as Error).message}): it is exported from the build to be measured instead`)
    const exportSpec = { ...spec, inputs: { ...spec.inputs, push: false, load: false, outputs: [] } }
    const exported = await exportedBuild(exportSpec, { ...deps, workDir: path.join(context.workDir, 'export') }, context, trivyScans(spec.inputs))
    return { ...exported, build: { ...build, ...(exported.build?.ociDir ? { ociDir: exported.build.ociDir } : {}) } }
  }
}

/**
 * The image a build pushed, read from its registry by digest: the registry's digest of the tag,
 * else the one buildx wrote (the tag alone when neither is known). Its root manifest is read here,
 * so that a registry this step cannot read is known before measuring.
 */
async function pushedSource(tag: string, build: BuildResult, context: StageContext): Promise<{ source: BlobSource; reference: string }> {
  const named = parseReference(tag)
  const written = build.metadata['containerimage.digest']
  const digest = build.pushedDigest ?? (typeof written === 'string' && /^sha256:[a-f0-9]{64}$/.test(written) ? written : undefined)
  const reference = digest ? { ...named, tag: undefined, digest } : named
  const source = new RegistrySource(reference, await dockerConfigAuth(reference.registry, context.env), { fetch: context.fetch })
  await source.roots()
  return { source, reference: digest ? formatReference(reference) : tag }
}

export interface Measured {
  image: ResolvedImage
  smells: Smell[]
}

/**
 * Measures every platform from its layers (the layer index kept between runs where there is one).
 * `onPlatform` receives each platform as soon as it is measured, so that a later failure keeps it.
 */
export async function measure(
  spec: ImageSpec,
  prepared: Prepared,
  produced: { source: BlobSource; layers?: OpenedLayers },
  context: StageContext,
  onPlatform: (platform: PlatformReport) => void
): Promise<Measured> {
  const { host } = context
  const { source } = produced
  return host.group(`Measure ${spec.name}`, async () => {
    const { store, kept, restoredKey } = produced.layers ?? (await openLayers(spec, context))
    const image = await resolveForMeasuring(source, store, streamedLayerNote(host))
    const smells = await analyzeImage({
      source,
      image,
      store,
      dockerfile: prepared.dockerfile,
      target: spec.inputs.target,
      contextDir: prepared.dockerfile && !isRemoteContext(spec.inputs.context) ? path.resolve(context.cwd, spec.inputs.context) : undefined,
      settings: spec.smells,
      onLayer: (platform, index, layer) => host.info(`${platform}: reading layer ${index + 1}, ${layer.digest} (${formatSize(layer.size)} compressed)`),
      onPlatform
    })
    if (kept) await saveLayers(kept, store, restoredKey, host)
    return { image, smells }
  })
}

/** Scans each platform's final image with Trivy (or reads the given report) into the report's platforms. */
export async function scan(spec: ImageSpec, prepared: Prepared, produced: Produced, measured: Measured, report: Report, context: StageContext): Promise<{ sarifPath?: string }> {
  const ociDir = produced.build?.ociDir
  // The scan opens log groups of its own (install, one per platform): Actions does not nest them.
  return scanStep(
    {
      inputs: spec.inputs,
      report,
      platforms: measured.image.platforms,
      targetFor: async (platform, dir) => {
        if (ociDir) return { kind: 'layout', dir: await platformLayout(ociDir, platform.manifest, dir), platform: platform.platform }
        if (produced.archive) return { kind: 'archive', file: produced.archive, platform: platform.platform }
        return { kind: 'registry', reference: produced.pushed ?? spec.inputs.image, platform: platform.platform }
      },
      dockerfile: prepared.dockerfile?.path,
      version: ACTION_VERSION
    },
    { ...context, releases: context.trivyReleases }
  )
}

/** `baseline: build` can never work here: refused before anything is built. */
function checkBaseBuild(spec: ImageSpec, context: StageContext): void {
  const { inputs } = spec
  if (inputs.baseline !== 'build') return
  if (spec.origin.kind !== 'build') {
    throw new InputError(`Input "${Input.Baseline}": build builds the merge base of what is built, and "${Input.Image}" measures an existing image: compare with a report or an image instead`)
  }
  refuseRemoteBase(inputs)
  // Handed to git as an argument: never an option (`--upload-pack=…`), never more than a revision.
  if (inputs['baseline-ref'] !== '' && !/^[\w./~^@{}+][\w./~^@{}+-]*$/.test(inputs['baseline-ref'])) {
    throw new InputError(`Input "${Input.BaselineRef}": "${inputs['baseline-ref']}" is not a branch, tag or commit`)
  }
  if (!context.github && inputs['baseline-ref'] === '') {
    throw new InputError(`Input "${Input.Baseline}": build outside a pull request needs "${Input.BaselineRef}", the branch or commit to compare with (e.g. --${Input.BaselineRef} origin/main)`)
  }
}

/** What the compare stage found: the baseline applied, or why there is none. */
export interface Compared {
  baseline?: Baseline
  /** Why `baseline: build` gave no baseline (nothing to build, or the build failed). */
  missing?: string
  /** Set when the base should have given a baseline and did not (it did not build): the increase cannot pass unjudged. */
  failed?: boolean
}

/** The baseline the spec asks for, applied to the report's platforms; none when there is none (yet). */
export async function compare(spec: ImageSpec, report: Report, context: StageContext): Promise<Compared> {
  const loaded = await loadBaseline(spec.inputs, spec.name, baselineDepsOf(spec, context))
  const built = loaded || spec.inputs.baseline !== 'build' ? { baseline: loaded } : await buildBaseline(spec, context)
  if (built.baseline) applyBaseline(report, built.baseline)
  return built
}

/**
 * The commit or ref whose merge base with HEAD `baseline: build` builds, or why there is none. A
 * pull request whose event names no base commit (or one that is not a commit ID) has a base all
 * the same: with nothing to build, its increase fails unjudged rather than passing unchecked.
 */
export function baseToBuild(inputs: Pick<Inputs, 'baseline-ref'>, github: GitHubContext | undefined): string | Compared {
  const pullRequest = isPullRequest(github) ? github!.pullRequest : undefined
  const wanted = inputs['baseline-ref'] || pullRequest?.baseSha
  if (wanted) return wanted
  if (pullRequest) return { missing: 'the pull request event names no base commit to build', failed: true }
  return { missing: `this ${github?.eventName ?? ''} run is not for a pull request, and no ${Input.BaselineRef} names the commit to build` }
}

/**
 * `baseline: build` with no report of the base kept: the merge base is checked out in a worktree,
 * built with the same inputs (its paths in the worktree, nothing pushed, loaded or cached) and
 * measured as the head was. A merge base that cannot be found fails the run; a base that does not
 * build is a warning and no baseline, which the notices name.
 */
async function buildBaseline(spec: ImageSpec, context: StageContext): Promise<Compared> {
  const { host, exec } = context
  const chosen = baseToBuild(spec.inputs, context.github?.context)
  if (typeof chosen !== 'string') return chosen
  const wanted = chosen
  const root = await repositoryRoot(exec, context.cwd)
  const commit = await findMergeBase(exec, root, wanted, message => host.info(message))
  const short = commit.slice(0, 12)
  const tree = path.join(context.workDir, 'base-tree')
  const workDir = path.join(context.workDir, 'base')
  const inTree = treePath(await realpath(context.cwd), root, tree)
  const derived = baseBuildInputs(spec.inputs, cacheSpecs(spec.inputs, spec.name, context.env), inTree)
  const base: ImageSpec = { ...spec, name: `${spec.name} at ${short}`, inputs: derived.inputs }
  const baseCwd = inTree(context.cwd).path
  let removeTree: (() => Promise<void>) | undefined
  let release: (() => Promise<void>) | undefined
  try {
    removeTree = await addWorktree(exec, root, commit, tree)
    const file = derived.inputs.file !== '' ? derived.inputs.file : path.join(derived.inputs.context, 'Dockerfile')
    if (!(await stat(file).catch(() => undefined))) {
      const shown = path.relative(tree, file)
      // A Dockerfile the head's commit does not hold either (made by an earlier step) says nothing of
      // the base: its absence there is no new image, and the increase cannot be judged.
      if (!(await isCommitted(exec, root, shown))) {
        throw new Error(`${shown} is not in the commit checked out (made by an earlier step?), so the merge base has none to build`)
      }
      host.info(`The merge base ${commit} has no ${shown}: there is no baseline to build`)
      return { missing: `the merge base ${short} has no ${shown} (the image is new)` }
    }
    const dockerfile = await readDockerfile(derived.inputs, baseCwd)
    await mkdir(workDir, { recursive: true })
    // No Actions cache: the layer index the head restored is read, and saved by the head alone.
    const baseContext = { ...context, cache: undefined, cwd: baseCwd, workDir }
    const built = await exportedBuild(
      { ...base, name: `the baseline of ${spec.name} from ${short}` },
      // Run where the head's build runs: what is not taken from the worktree (a local cache, an
      // oci-layout context, an ssh key) is read where the head reads it, not looked for in the worktree.
      { ...context, workDir, buildCache: derived.cache, actionsCache: context.actionsCache },
      baseContext,
      false
    )
    release = built.release
    const platforms: PlatformReport[] = []
    const measured = await measure(base, { dockerfile }, { source: built.source!, layers: built.layers }, baseContext, platform => platforms.push(platform))
    host.info(`Baseline built from ${commit}`)
    return { baseline: { ...baselineFromReport({ platforms }, 'build', commit), digest: measured.image.digest } }
  } catch (error) {
    const message = (error as Error).message
    host.warning(`The baseline could not be built from ${commit}: ${message}`)
    return { missing: `the merge base ${short} could not be built (${message.split('\n')[0]})`, failed: true }
  } finally {
    // What the base's build left in the engine (on the classic store) goes once it is measured.
    await release?.().catch((error: Error) => host.warning(error.message))
    await removeTree?.()
  }
}

export function baselineDepsOf(spec: ImageSpec, context: Omit<StageContext, 'workDir'>) {
  return {
    host: context.host,
    cwd: context.cwd,
    env: context.env,
    fetch: context.fetch,
    cache: context.cache,
    github: context.github?.context,
    dir: baselineDir(context.tempRoot, spec.name)
  }
}

/** The budgets of the spec against what was measured, and the verdict. */
export function judge(spec: ImageSpec, report: Pick<Report, 'platforms' | 'smells'>, compared: Compared = {}): { budgets: BudgetResult[]; verdict: Verdict } {
  // A baseline asked to be built that did not build fails max-size-increase rather than skipping it: a wrong pass is worse.
  const platforms = compared.failed && compared.missing ? report.platforms.map(platform => ({ ...platform, baselineUnresolved: compared.missing })) : report.platforms
  const budgets = evaluateBudgets(spec.budgets, platforms)
  return { budgets, verdict: verdictOf(budgets, report.smells) }
}
