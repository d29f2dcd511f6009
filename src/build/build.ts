import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Readable } from 'node:stream'
import { Input, MIN_BUILDKIT_FOR_GHA_CACHE, MIN_BUILDX_FOR_GHA_CACHE } from '../constants.js'
import type { Config } from '../config/config.js'
import type { ExportMode, Inputs } from '../config/inputs.js'
import type { Clock, Exec, Host } from '../host.js'
import { isGhaCacheSpec, type ActionsCacheState } from './actions-cache.js'
import { cacheSpecs, getArgs, measuredFromRegistry, parseDriver, type BuildPaths, type CacheSpecs } from './args.js'
import { describeFailure, isEngineUnreachable, parseProgress, type BuildProgress } from './progress.js'

/** A finding of `call: check` (BuildKit's Dockerfile checks), with the line it is about. */
export interface CheckWarning {
  rule: string
  description: string
  detail: string
  url: string
  line?: number
}

export interface BuildResult extends BuildProgress {
  seconds: number
  /**
   * The OCI layout folder that buildx wrote (export-mode folder, bake), or that the streamed export
   * was written to for Trivy (see BuildDeps.exportTo); absent when nothing of the image is on disk.
   */
  ociDir?: string
  /** buildx's metadata file, as JSON (digest, config digest, image name). */
  metadata: Record<string, unknown>
  /** The image ID buildx wrote with --iidfile, as docker/build-push-action's imageid output. */
  imageId?: string
  /** The registry's digest of the first pushed tag, when the build pushed. */
  pushedDigest?: string
  /** Whether the build read and wrote the GitHub Actions cache (type=gha), or why not; absent when it was not asked for. */
  actionsCache?: { used: boolean; reason?: string }
  /** With `call`: the method, what it printed, and for `check` its findings. */
  call?: { method: string; output: string; checks?: CheckWarning[] }
}

export class BuildError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BuildError'
  }
}

export interface BuildDeps {
  exec: Exec
  clock: Clock
  host: Host
  env: NodeJS.ProcessEnv
  /** A private folder for this run: secrets and metadata go here. */
  workDir: string
  /** Where the context and file inputs are relative to. */
  cwd: string
  /** What a probe of the Actions cache service found; type=gha specs are dropped when it cannot serve. */
  actionsCache?: ActionsCacheState
  /** The cache specs to build with, instead of those of the inputs (the merge base's build reads the head's, writes none). */
  buildCache?: CacheSpecs
  /**
   * Reads the image as the build exports it (an OCI layout tar on buildx's standard output), while
   * the build runs: nothing of the export is written to disk unless the reader writes it.
   */
  exportTo?: (stdout: Readable) => Promise<void>
  /** The image is pushed to this name, where the step takes it as it is pushed (see PushSink), instead of exported. */
  pushTo?: string
  /** The image is loaded into the engine under this name instead of exported (see BuildPaths.loadAs). */
  loadAs?: string
  /** Where the builder keeps images, when the caller has asked already (see imageStore). */
  imageStore?: ImageStore
  /** The workflow run, for the default provenance attestation and the Git context's token. */
  run?: { runAttemptUrl: string; privateRepository: boolean; serverUrl: string; token: string; repository: string }
}

/** Parses `docker buildx version` output: `github.com/docker/buildx v0.21.1 abc` or `... 0.13.1+ds1 ...`. */
export function parseBuildxVersion(output: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+)/.exec(output)?.[1]
}

export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number)
  const b = minimum.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] > b[i]
  }
  return true
}

async function writeSecrets(config: Config, dir: string): Promise<Array<{ id: string; path: string }>> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const written = []
  for (const [index, secret] of config.secrets.entries()) {
    const file = path.join(dir, `secret-${index}`)
    await writeFile(file, secret.value, { mode: 0o600 })
    await chmod(file, 0o600)
    written.push({ id: secret.id, path: file })
  }
  return [...written, ...config.secretFiles]
}

/** The method of a `call` input: `check`, `outline`, `targets` (`check,format=json` → `check`). */
export function callMethod(call: string): string {
  return call.split(',')[0].trim()
}

/** `check` with the JSON format, so that its findings can be read; the user's other options stay. */
export function callSpec(call: string): string {
  return callMethod(call) === 'check' && !/(^|,)\s*format=/.test(call) ? `${call},format=json` : call
}

/** Reads the JSON `--call check,format=json` prints: `{ warnings: [{ ruleName, location: { ranges } }] }`. */
export function parseChecks(stdout: string): CheckWarning[] | undefined {
  const start = stdout.indexOf('{')
  if (start < 0) return undefined
  let parsed: { warnings?: Array<Record<string, unknown>> | null; buildError?: unknown }
  try {
    parsed = JSON.parse(stdout.slice(start)) as typeof parsed
  } catch {
    return undefined
  }
  const text = (value: unknown): string => (typeof value === 'string' ? value : '')
  // A Dockerfile the checks could not even read is a failed build, never a clean check.
  if (parsed.buildError !== undefined && parsed.buildError !== null) return undefined
  return (parsed.warnings ?? []).map(warning => {
    const ranges = (warning.location as { ranges?: Array<{ start?: { line?: unknown } }> } | undefined)?.ranges
    const line = ranges?.[0]?.start?.line
    return {
      rule: text(warning.ruleName),
      description: text(warning.description),
      detail: text(warning.detail),
      url: text(warning.url),
      ...(typeof line === 'number' && Number.isSafeInteger(line) && line > 0 ? { line } : {})
    }
  })
}

/** buildx's refusal of `--builder` for the `docker` driver of another endpoint, in the user's terms. */
const OTHER_CONTEXT_BUILDER = /use `docker --context=(\S+) buildx` to switch to context/

function explainFailure(output: string, inputs: Inputs): string | undefined {
  const builder = inputs.builder
  const otherContext = OTHER_CONTEXT_BUILDER.exec(output)
  if (otherContext) {
    return (
      `Input "${Input.Builder}": "${builder}" is the docker driver of another Docker context (${otherContext[1]}), ` +
      'which buildx does not allow while DOCKER_CONTEXT or DOCKER_HOST selects another endpoint. Leave builder empty to build ' +
      'on the selected endpoint, or create a docker-container builder there (docker/setup-buildx-action).'
    )
  }
  if (isEngineUnreachable(output)) return 'The Docker engine is not reachable: start it, or check DOCKER_HOST and DOCKER_CONTEXT.'
  if (/Attestation is not supported for the docker driver/.test(output)) {
    const asked = [Input.Provenance, Input.Sbom, Input.Attests].filter(name => (name === Input.Attests ? inputs.attests.length > 0 : inputs[name] !== ''))
    return (
      `${asked.length === 0 ? 'The build' : asked.map(name => `Input "${name}"`).join(', ')} ${asked.length === 1 ? 'asks' : 'ask'} for an attestation, which the docker driver on the classic image store does not make: ` +
      'leave it out, or build with the docker-container driver (docker/setup-buildx-action) or the containerd image store.'
    )
  }
  return undefined
}

/** The driver of the builder a build runs on (`docker`, `docker-container`, ...), from `buildx inspect`. */
export async function builderDriver(exec: Exec, builder: string, cwd: string): Promise<string> {
  const builderArgs = builder !== '' ? ['--builder', builder] : []
  return parseDriver((await exec('docker', ['buildx', 'inspect', ...builderArgs], { silent: true, cwd })).stdout)
}

/**
 * Where a build of the docker driver ends up: the engine's image store, the containerd one or the
 * classic one (told by the storage driver's status). Another driver's builder has a store of its own.
 */
export type ImageStore = 'containerd' | 'classic' | { driver: string }

export async function imageStore(exec: Exec, builder: string, cwd: string): Promise<ImageStore> {
  const driver = await builderDriver(exec, builder, cwd)
  if (driver !== 'docker') return { driver }
  const storage = await exec('docker', ['info', '--format', '{{json .DriverStatus}}'], { silent: true, cwd })
  return storage.exitCode === 0 && isClassicStore(storage.stdout) ? 'classic' : 'containerd'
}

/**
 * Whether the engine runs on this machine, in its network: what a registry the step serves on
 * 127.0.0.1 needs of the BuildKit inside it. Told by the engine's host name, which is this
 * machine's for a local engine, and another for a remote one or when the step runs in a job
 * container beside the engine; a rootless engine runs in a network namespace of its own.
 */
export async function engineOnThisHost(exec: Exec, cwd: string, hostname = os.hostname()): Promise<boolean> {
  const info = await exec('docker', ['info', '--format', '[{{json .Name}},{{json .SecurityOptions}}]'], { silent: true, cwd })
  if (info.exitCode !== 0) return false
  let answer: unknown
  try {
    answer = JSON.parse(info.stdout)
  } catch {
    return false
  }
  if (!Array.isArray(answer) || answer[0] !== hostname) return false
  const options: unknown[] = Array.isArray(answer[1]) ? answer[1] : []
  return !options.some(option => typeof option === 'string' && /(^|,)name=rootless(,|$)/.test(option))
}

/**
 * How a build that is not pushed reaches the measuring, `export-mode: auto` resolved: pushed to the
 * step's registry when its builder reaches it (the docker driver of an engine on this machine, on
 * the containerd image store), which is sent only the layers not read before and writes nothing of
 * the image to disk; else an OCI layout folder (which the classic store replaces by a load).
 */
export function chosenExportMode(requested: ExportMode, store: ImageStore, engineHere: boolean): Exclude<ExportMode, 'auto'> {
  if (requested !== 'auto') return requested
  return store === 'containerd' && engineHere ? 'registry' : 'folder'
}

/**
 * Whether `docker info`'s DriverStatus is a graph driver's: a list of pairs without the containerd
 * snapshotter's `driver-type`. Anything else (no answer, another shape) is taken for the containerd
 * store, where the export is tried and buildx says what it refuses.
 */
export function isClassicStore(driverStatus: string): boolean {
  let status: unknown
  try {
    status = JSON.parse(driverStatus)
  } catch {
    return false
  }
  if (!Array.isArray(status) || status.length === 0 || !status.every(pair => Array.isArray(pair) && pair.every(item => typeof item === 'string'))) return false
  return !status.some((pair: string[]) => pair.some(item => item.startsWith('io.containerd.snapshotter')))
}

/** The digest the registry gives the first pushed tag (what a pull of that tag resolves to). */
export async function pushedDigest(exec: Exec, tag: string, cwd: string): Promise<string | undefined> {
  const inspected = await exec('docker', ['buildx', 'imagetools', 'inspect', tag, '--format', '{{json .Manifest}}'], { silent: true, cwd })
  if (inspected.exitCode !== 0) return undefined
  try {
    const digest = (JSON.parse(inspected.stdout) as { digest?: unknown }).digest
    return typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined
  } catch {
    return undefined
  }
}

/** Whether the Git context is this repository on GitHub, which needs the token to be fetched. */
function isGitContextOf(context: string, serverUrl: string, repository: string): boolean {
  return serverUrl !== '' && repository !== '' && context.startsWith(`${serverUrl}/${repository}.git`)
}

/** The build's metadata without the name the step gave the image (its registry's, or the engine's), which only the step reads. */
function withoutName(metadata: Record<string, unknown>, name: string): Record<string, unknown> {
  // buildx writes a name of Docker Hub's library in full.
  const isOwn = (item: string): boolean => item === name || item === `docker.io/library/${name}`
  const names = typeof metadata['image.name'] === 'string' ? metadata['image.name'].split(',').filter(item => !isOwn(item)) : undefined
  const { 'image.name': _named, ...rest } = metadata
  return names === undefined || names.length === 0 ? rest : { ...rest, 'image.name': names.join(',') }
}

export async function runBuild(config: Config, deps: BuildDeps): Promise<BuildResult> {
  const { exec, host, clock, env, workDir, cwd } = deps
  const inputs = config.inputs
  for (const secret of config.secrets) host.setSecret(secret.value)

  // Asked once, and only when a default depends on it, unless the caller knows it.
  let store: Promise<ImageStore> | undefined = deps.imageStore === undefined ? undefined : Promise.resolve(deps.imageStore)
  const classicStore = async (): Promise<boolean> => (await (store ??= imageStore(exec, inputs.builder, cwd))) === 'classic'
  let cache = deps.buildCache ?? cacheSpecs(inputs, config.name, env)
  let actionsCache: BuildResult['actionsCache']
  if ([...cache.from, ...cache.to].some(isGhaCacheSpec)) {
    const version = parseBuildxVersion((await exec('docker', ['buildx', 'version'], { silent: true })).stdout)
    if (version !== undefined && !versionAtLeast(version, MIN_BUILDX_FOR_GHA_CACHE)) {
      const reason = `buildx ${version} predates the GitHub Actions cache service v2 (buildx ${MIN_BUILDX_FOR_GHA_CACHE} or newer, with BuildKit ${MIN_BUILDKIT_FOR_GHA_CACHE} or newer)`
      host.warning(`${reason}: the type=gha cache will not be read or written. Use docker/setup-buildx-action to get a recent buildx.`)
      actionsCache = { used: false, reason }
    } else if (await classicStore()) {
      // BuildKit there knows no gha importer and buildx refuses any cache export: the build would fail.
      const reason = 'the docker driver on the classic image store neither reads nor writes a build cache'
      cache = { from: cache.from.filter(spec => !isGhaCacheSpec(spec)), to: cache.to.filter(spec => !isGhaCacheSpec(spec)) }
      host.warning(`The GitHub Actions cache is not used for this build: ${reason}. Use docker/setup-buildx-action (the docker-container driver) or the containerd image store to cache the build.`)
      actionsCache = { used: false, reason }
    } else if (deps.actionsCache && !deps.actionsCache.usable) {
      // Left out rather than handed to BuildKit, which would retry it for as long as the build lets it.
      cache = { from: cache.from.filter(spec => !isGhaCacheSpec(spec)), to: cache.to.filter(spec => !isGhaCacheSpec(spec)) }
      host.warning(`The GitHub Actions cache is not used for this build: ${deps.actionsCache.reason}`)
      actionsCache = { used: false, reason: deps.actionsCache.reason }
    } else {
      actionsCache = { used: true }
    }
  }

  const secrets = [...config.secrets]
  const github = deps.run
  if (github?.token && isGitContextOf(inputs.context, github.serverUrl, github.repository) && !secrets.some(secret => secret.id.startsWith('GIT_AUTH_TOKEN'))) {
    // As docker/build-push-action does: BuildKit fetches a Git context of this repository with the token.
    secrets.push({ id: `GIT_AUTH_TOKEN.${new URL(github.serverUrl).host}`, value: github.token })
  }
  const streamed = deps.exportTo !== undefined && inputs.call === ''
  const imageIdFile = path.join(workDir, 'iidfile')
  const paths: BuildPaths = {
    metadataFile: path.join(workDir, 'metadata.json'),
    imageIdFile,
    ...(deps.pushTo !== undefined && inputs.call === ''
      ? { pushTo: deps.pushTo }
      : deps.loadAs !== undefined && inputs.call === ''
        ? { loadAs: deps.loadAs }
        : streamed
        ? { ociStream: true }
        : measuredFromRegistry(inputs)
          ? {}
          : { ociDir: path.join(workDir, 'oci') }),
    secretFiles: await writeSecrets({ ...config, secrets }, path.join(workDir, 'secrets'))
  }
  const driver = inputs.push && inputs.load ? await builderDriver(exec, inputs.builder, cwd) : ''
  const called = inputs.call !== '' ? { ...inputs, call: callSpec(inputs.call) } : inputs
  const defaultProvenance = github !== undefined && inputs.provenance === '' && inputs.call === ''
  const args = getArgs(called, cache, paths, {
    driver,
    ...(defaultProvenance && (await classicStore()) ? { noAttestations: true } : {}),
    ...(github ? { run: { url: github.runAttemptUrl, privateRepository: github.privateRepository } } : {}),
    noDefaultAttestations: /^(1|true|t)$/i.test(env.BUILDX_NO_DEFAULT_ATTESTATIONS ?? '')
  })
  const started = clock.now()
  const result = await exec('docker', args, { cwd, ...(streamed ? { readStdout: deps.exportTo } : {}) })
  const seconds = Math.round((clock.now() - started) / 100) / 10
  // buildx writes progress to stderr; both streams are kept for the error message.
  const output = `${result.stdout}\n${result.stderr}`
  const progress = parseProgress(result.stderr)
  if (inputs.call !== '') {
    const method = callMethod(inputs.call)
    const checks = method === 'check' ? parseChecks(result.stdout) : undefined
    // A check that finds something exits 1; anything else non-zero is a failure of the build itself.
    if (result.exitCode !== 0 && checks === undefined) {
      throw new BuildError(explainFailure(output, inputs) ?? `docker buildx build --call ${inputs.call} failed (exit code ${result.exitCode})\n${describeFailure(output)}`)
    }
    return { ...progress, seconds, metadata: {}, ...(actionsCache ? { actionsCache } : {}), call: { method, output: result.stdout, ...(checks ? { checks } : {}) } }
  }
  if (result.exitCode !== 0) {
    const explained = explainFailure(output, inputs)
    if (explained) throw new BuildError(`${explained}\n${describeFailure(output)}`)
    throw new BuildError(`docker buildx build failed (exit code ${result.exitCode})\n${describeFailure(output)}`)
  }
  let metadata: Record<string, unknown> = {}
  try {
    metadata = JSON.parse(await readFile(paths.metadataFile, 'utf8')) as Record<string, unknown>
    const ownName = paths.pushTo ?? paths.loadAs
    if (ownName !== undefined) metadata = withoutName(metadata, ownName)
  } catch {
    host.warning('buildx wrote no metadata file: the digest and imageid outputs come from the measured image')
  }
  const imageId = (await readFile(imageIdFile, 'utf8').catch(() => '')).trim()
  const pushTag = inputs.push ? inputs.tags[0] : undefined
  const pushed = pushTag ? await pushedDigest(exec, pushTag, cwd) : undefined
  if (pushTag && pushed === undefined) host.warning(`The registry's digest of ${pushTag} could not be read: the digest output is buildx's`)
  return {
    ...progress,
    seconds,
    ...(actionsCache ? { actionsCache } : {}),
    metadata,
    ...(paths.ociDir ? { ociDir: paths.ociDir } : {}),
    ...(/^sha256:[a-f0-9]{64}$/.test(imageId) ? { imageId } : {}),
    ...(pushed ? { pushedDigest: pushed } : {})
  }
}
