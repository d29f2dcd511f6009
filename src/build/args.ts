import type { Inputs } from '../config/inputs.js'
import { slugOf } from '../names.js'

/** What the build needs beyond the inputs: paths chosen by the pipeline and the runner's cache. */
export interface BuildPaths {
  /** buildx writes its metadata (digests, image name) here. */
  metadataFile: string
  /** The OCI layout directory that is measured; its output always comes last (see getArgs). */
  ociDir: string
  /** `secrets` written to files plus `secret-files`, as id and path. */
  secretFiles: ReadonlyArray<{ id: string; path: string }>
}

export interface CacheSpecs {
  from: string[]
  to: string[]
}

/** Whether the runner exposes the Actions cache service that `type=gha` talks to. */
export function hasActionsCache(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_RESULTS_URL || env.ACTIONS_CACHE_URL))
}

/** Cache scopes are keys of the cache service: the same slug as every name-derived file name. */
export { slugOf as cacheScope } from '../names.js'

/**
 * The cache the build uses: the user's, or on GitHub with the Actions cache available and none given,
 * the GHA cache scoped by image name so that several images never evict each other.
 */
export function cacheSpecs(inputs: Inputs, name: string, env: NodeJS.ProcessEnv): CacheSpecs {
  if (inputs['cache-from'].length > 0 || inputs['cache-to'].length > 0 || !hasActionsCache(env)) {
    return { from: inputs['cache-from'], to: inputs['cache-to'] }
  }
  const scope = slugOf(name)
  return { from: [`type=gha,scope=${scope}`], to: [`type=gha,scope=${scope},mode=max,ignore-error=true`] }
}

/** Reads the driver from `docker buildx inspect` output (`Driver: docker-container`). */
export function parseDriver(inspectOutput: string): string {
  return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1] ?? ''
}

/**
 * The argv of `docker buildx build`, built without side effects. `driver` is the builder's driver
 * (`docker`, `docker-container`, ...), when known.
 */
export function getArgs(inputs: Inputs, cache: CacheSpecs, paths: BuildPaths, driver = ''): string[] {
  const args = ['buildx', 'build', '--progress=plain', '--metadata-file', paths.metadataFile]
  const repeat = (flag: string, values: readonly string[]): void => {
    for (const value of values) args.push(flag, value)
  }
  if (inputs.builder !== '') args.push('--builder', inputs.builder)
  if (inputs.platforms.length > 0) args.push('--platform', inputs.platforms.join(','))
  if (inputs.file !== '') args.push('--file', inputs.file)
  if (inputs.target !== '') args.push('--target', inputs.target)
  repeat('--build-arg', inputs['build-args'])
  repeat('--label', inputs.labels)
  repeat('--tag', inputs.tags)
  repeat('--secret', paths.secretFiles.map(secret => `id=${secret.id},src=${secret.path}`))
  repeat('--cache-from', cache.from)
  repeat('--cache-to', cache.to)
  if (inputs['no-cache']) args.push('--no-cache')
  if (inputs.pull) args.push('--pull')
  if (inputs.push && inputs.load && driver === 'docker') {
    // The docker driver's image exporter stores the image in the engine as it pushes. Given as
    // --push --load next to a third output, buildx runs two exporters that race to create the same
    // image name in the engine ("already exists"); one exporter does both without a race.
    args.push('--output', 'type=image,push=true')
  } else {
    if (inputs.push) args.push('--push')
    if (inputs.load) args.push('--load')
  }
  // Last on purpose: with several exporters, BuildKit names in the layout's index.json the index of
  // the exporter that ran last, so the measured layout stays self-consistent only in this position.
  args.push('--output', `type=oci,dest=${paths.ociDir},tar=false`)
  args.push(inputs.context)
  return args
}
