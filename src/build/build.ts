import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { MIN_BUILDX_FOR_GHA_CACHE } from '../constants.js'
import type { Config } from '../config/config.js'
import type { Clock, Exec, Host } from '../host.js'
import { cacheSpecs, getArgs, parseDriver } from './args.js'
import { describeFailure, isEngineUnreachable, parseProgress, type BuildProgress } from './progress.js'

export interface BuildResult extends BuildProgress {
  seconds: number
  /** The OCI layout the build wrote, for measuring. */
  ociDir: string
  /** buildx's metadata file, as JSON (digest, config digest, image name). */
  metadata: Record<string, unknown>
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
  /** A private folder for this run: secrets, metadata and the OCI layout go here. */
  workDir: string
  /** Where the context and file inputs are relative to. */
  cwd: string
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

export async function runBuild(config: Config, deps: BuildDeps): Promise<BuildResult> {
  const { exec, host, clock, env, workDir, cwd } = deps
  for (const secret of config.secrets) host.setSecret(secret.value)

  const cache = cacheSpecs(config.inputs, config.name, env)
  const usesGhaCache = [...cache.from, ...cache.to].some(spec => /(^|,)type=gha(,|$)/.test(spec))
  if (usesGhaCache) {
    const version = parseBuildxVersion((await exec('docker', ['buildx', 'version'], { silent: true })).stdout)
    if (version !== undefined && !versionAtLeast(version, MIN_BUILDX_FOR_GHA_CACHE)) {
      host.warning(
        `buildx ${version} predates the GitHub Actions cache service v2 (buildx ${MIN_BUILDX_FOR_GHA_CACHE} or newer): ` +
          'the type=gha cache will not be read or written. Use docker/setup-buildx-action to get a recent buildx.'
      )
    }
  }

  const paths = {
    metadataFile: path.join(workDir, 'metadata.json'),
    ociDir: path.join(workDir, 'oci'),
    secretFiles: await writeSecrets(config, path.join(workDir, 'secrets'))
  }
  let driver = ''
  if (config.inputs.push && config.inputs.load) {
    const builderArgs = config.inputs.builder !== '' ? ['--builder', config.inputs.builder] : []
    driver = parseDriver((await exec('docker', ['buildx', 'inspect', ...builderArgs], { silent: true, cwd })).stdout)
  }
  const args = getArgs(config.inputs, cache, paths, driver)
  const started = clock.now()
  const result = await exec('docker', args, { cwd })
  const seconds = Math.round((clock.now() - started) / 100) / 10
  // buildx writes progress to stderr; both streams are kept for the error message.
  const output = `${result.stdout}\n${result.stderr}`
  if (result.exitCode !== 0) {
    if (isEngineUnreachable(output)) {
      throw new BuildError(`The Docker engine is not reachable: start it, or check DOCKER_HOST.\n${describeFailure(output)}`)
    }
    throw new BuildError(`docker buildx build failed (exit code ${result.exitCode})\n${describeFailure(output)}`)
  }
  let metadata: Record<string, unknown> = {}
  try {
    metadata = JSON.parse(await readFile(paths.metadataFile, 'utf8')) as Record<string, unknown>
  } catch {
    host.warning('buildx wrote no metadata file: the digest and imageid outputs come from the measured image')
  }
  return { ...parseProgress(result.stderr), seconds, ociDir: paths.ociDir, metadata }
}
