import { InputError } from '../config/errors.js'
import type { Inputs } from '../config/inputs.js'
import { Input } from '../constants.js'
import { slugOf } from '../names.js'

/** What the build needs beyond the inputs: paths chosen by the pipeline and the runner's cache. */
export interface BuildPaths {
  /** buildx writes its metadata (digests, image name) here. */
  metadataFile: string
  /** buildx writes the image ID here (`--iidfile`), as docker/build-push-action reads it. */
  imageIdFile?: string
  /**
   * The OCI layout folder that is measured (`export-mode: folder`); its output always comes last
   * (see getArgs). Absent when the image is measured from the registry it is pushed to (see
   * measuredFromRegistry), or streamed.
   */
  ociDir?: string
  /** The OCI export is written as a tar to buildx's standard output instead (`export-mode: stream`), read as it streams. */
  ociStream?: boolean
  /** The image is pushed to this name instead, a registry the step serves (`export-mode: registry`). */
  pushTo?: string
  /**
   * The image is loaded into the engine under this name instead, to be measured there: what a
   * docker driver on the classic image store offers, where buildx exports no OCI layout.
   */
  loadAs?: string
  /** `secrets` written to files plus `secret-files`, as id and path. */
  secretFiles: ReadonlyArray<{ id: string; path: string }>
}

/** Where the build runs, as far as the argv depends on it. */
export interface BuildSetting {
  /** The builder's driver (`docker`, `docker-container`, ...), when known. */
  driver?: string
  /**
   * The workflow run, on GitHub: the default provenance attestation names it as the builder, in
   * max mode for a public repository and min mode for a private one, as docker/build-push-action does.
   */
  run?: { url: string; privateRepository: boolean }
  /** BUILDX_NO_DEFAULT_ATTESTATIONS is set to a true value: no default provenance. */
  noDefaultAttestations?: boolean
  /**
   * The builder makes no attestation (the docker driver on the classic image store, where buildx
   * fails a build asked for one): no default provenance. build-push-action adds none there either,
   * as that builder reports no BuildKit version.
   */
  noAttestations?: boolean
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

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, '1': true, t: true, false: false, '0': false, f: false }

/** `type=provenance,false` means `disabled=true`, as buildx and docker/build-push-action read it. */
export function attestationAttributes(attributes: string): string {
  return attributes
    .split(',')
    .map(attribute => attribute.trim())
    .filter(attribute => attribute !== '')
    .map(attribute => {
      const flag = BOOLEAN_WORDS[attribute.toLowerCase()]
      return flag === undefined ? attribute : `disabled=${!flag}`
    })
    .join(',')
}

/** Whether an attestation spec (`type=sbom,generator=...`) is of the given type. */
export function isAttestationType(type: string, attributes: string): boolean {
  return attributes.split(',').some(attribute => attribute.trim() === `type=${type}`)
}

/** Adds the workflow run as the builder, unless the spec names one. */
function withBuilderId(attributes: string, runUrl: string): string {
  return /(^|,)\s*builder-id=/.test(attributes) ? attributes : `${attributes},builder-id=${runUrl}`
}

export function exporterType(output: string): string {
  const type = output.split(',').find(part => part.trim().startsWith('type='))
  if (type) return type.trim().slice('type='.length)
  // buildx reads a bare path as a local export, and `-` as a tar to stdout.
  return output.trim() === '-' ? 'tar' : 'local'
}

/** Exporters that buildx names after the tags. */
const NAMED_EXPORTERS = ['image', 'registry', 'docker', 'oci']

/**
 * An output named after the tags as buildx names it given --tag: an exporter of an image with no
 * name of its own gets a `name` field (quoted, as buildx reads outputs as CSV).
 */
export function namedOutput(output: string, tags: readonly string[]): string {
  if (!NAMED_EXPORTERS.includes(exporterType(output)) || output.split(',').some(part => part.trim().startsWith('name='))) return output
  return `${output},"name=${tags.join(',').replaceAll('"', '""')}"`
}

function hasDockerExporter(inputs: Inputs): boolean {
  return inputs.load || inputs.outputs.some(output => exporterType(output) === 'docker')
}

/** The `--attest` flags, with the precedence and defaults of docker/build-push-action. */
export function attestArgs(inputs: Inputs, setting: BuildSetting): string[] {
  const args: string[] = []
  const attestsProvenance = inputs.attests.some(attest => isAttestationType('provenance', attest))
  if (inputs.provenance !== '') {
    args.push('--attest', attestationAttributes(`type=provenance,${inputs.provenance}`))
  } else if (!attestsProvenance && !setting.noDefaultAttestations && !setting.noAttestations && setting.run && !hasDockerExporter(inputs)) {
    const mode = setting.run.privateRepository ? 'mode=min,inline-only=true' : 'mode=max'
    args.push('--attest', `type=provenance,${mode},builder-id=${setting.run.url}`)
  }
  if (inputs.sbom !== '') args.push('--attest', attestationAttributes(`type=sbom,${inputs.sbom}`))
  for (const attest of inputs.attests) {
    const provenance = isAttestationType('provenance', attest)
    const sbom = isAttestationType('sbom', attest)
    if (!provenance && !sbom) args.push('--attest', attestationAttributes(attest))
    else if (provenance && inputs.provenance === '') args.push('--attest', setting.run ? withBuilderId(attest, setting.run.url) : attest)
    else if (sbom && inputs.sbom === '') args.push('--attest', attest)
  }
  return args
}

/** `KEY=ENV_VAR` of secret-envs as buildx's `id=KEY,env=ENV_VAR`. */
export function secretEnvSpec(item: string): string {
  const separator = item.indexOf('=')
  if (separator <= 0 || separator === item.length - 1) {
    throw new InputError(`Input "${Input.SecretEnvs}": "${item}" is not of the form id=ENV_VAR`)
  }
  return `id=${item.slice(0, separator).trim()},env=${item.slice(separator + 1).trim()}`
}

/**
 * Whether an output spec writes to buildx's standard output: `-`, `dest=-`, or a tar or OCI export
 * with no `dest` (buildx then writes it there, standard output being no terminal).
 */
export function writesToStdout(output: string): boolean {
  const dest = output.split(',').find(part => part.trim().startsWith('dest='))
  if (output.trim() === '-' || dest?.trim() === 'dest=-') return true
  const type = exporterType(output)
  return dest === undefined && (type === 'tar' || type === 'oci')
}

/**
 * With `export-mode: stream`, a build that is not pushed is read from buildx's standard output: an
 * output of the user's that writes there too would mix with it, and is refused before anything is built.
 */
export function refuseStdoutOutputs(inputs: Inputs): void {
  if (inputs['export-mode'] !== 'stream' || inputs.call !== '' || measuredFromRegistry(inputs)) return
  const taken = inputs.outputs.find(writesToStdout)
  if (taken !== undefined) {
    throw new InputError(`Input "${Input.Outputs}": "${taken}" writes to standard output, where image-budget reads the image from the build: give it a file (dest=image.tar)`)
  }
}

/**
 * Whether a build is measured from the registry it pushes to rather than from an OCI export beside
 * the push: the registry then sends only the manifests and the layers not read before, and no copy
 * of the image is exported. Trivy then scans the pushed image there too, by its digest.
 */
export function measuredFromRegistry(inputs: Inputs): boolean {
  return inputs.push && inputs.tags.length > 0 && inputs.call === ''
}

/**
 * The argv of `docker buildx build`, built without side effects, flag for flag as
 * docker/build-push-action builds it, plus the OCI export that is measured. With `call` (checks,
 * outline, targets) nothing is exported, so nothing is measured either.
 */
export function getArgs(inputs: Inputs, cache: CacheSpecs, paths: BuildPaths, setting: BuildSetting = {}): string[] {
  const args = ['buildx', 'build', '--progress=plain', '--metadata-file', paths.metadataFile]
  const repeat = (flag: string, values: readonly string[]): void => {
    for (const value of values) args.push(flag, value)
  }
  if (inputs.builder !== '') args.push('--builder', inputs.builder)
  repeat('--add-host', inputs['add-hosts'])
  repeat('--allow', inputs.allow)
  repeat('--annotation', inputs.annotations)
  if (inputs.platforms.length > 0) args.push('--platform', inputs.platforms.join(','))
  if (inputs.file !== '') args.push('--file', inputs.file)
  if (inputs.target !== '') args.push('--target', inputs.target)
  repeat('--build-arg', inputs['build-args'])
  repeat('--build-context', inputs['build-contexts'])
  repeat('--label', inputs.labels)
  // buildx names every image exporter after --tag, the step's own included, which would then push
  // to the tags: given a registry of the step's to push to, the tags name the other exporters instead.
  const tagsNamedHere = paths.pushTo !== undefined && inputs.tags.length > 0
  if (paths.loadAs !== undefined) {
    // Every tag names the loaded image: the user's only when they asked for it in the engine.
    repeat('--tag', [...(inputs.load ? inputs.tags : []), paths.loadAs])
  } else if (!tagsNamedHere) repeat('--tag', inputs.tags)
  repeat('--secret', inputs['secret-envs'].map(secretEnvSpec))
  repeat('--secret', paths.secretFiles.map(secret => `id=${secret.id},src=${secret.path}`))
  repeat('--ssh', inputs.ssh)
  repeat('--cache-from', cache.from)
  repeat('--cache-to', cache.to)
  if (inputs['cgroup-parent'] !== '') args.push('--cgroup-parent', inputs['cgroup-parent'])
  if (inputs.network !== '') args.push('--network', inputs.network)
  if (inputs['shm-size'] !== '') args.push('--shm-size', inputs['shm-size'])
  repeat('--ulimit', inputs.ulimit)
  if (inputs['no-cache']) args.push('--no-cache')
  repeat('--no-cache-filter', inputs['no-cache-filters'])
  if (inputs.pull) args.push('--pull')
  if (inputs.call !== '') {
    args.push('--call', inputs.call, inputs.context)
    return args
  }
  args.push(...attestArgs(inputs, setting))
  // buildx refuses an image ID file next to a local or tar exporter ("incompatible with image ID
  // file"); docker/build-push-action leaves it out then, and so does the step (imageid then comes
  // from the config digest in buildx's metadata).
  const writesFiles = inputs.outputs.some(output => ['local', 'tar'].includes(exporterType(output)))
  if (paths.imageIdFile && !writesFiles) args.push('--iidfile', paths.imageIdFile)
  repeat('--output', tagsNamedHere ? inputs.outputs.map(output => namedOutput(output, inputs.tags)) : inputs.outputs)
  if (tagsNamedHere && inputs.load) {
    args.push('--output', namedOutput('type=docker', inputs.tags))
  } else if (inputs.push && inputs.load && setting.driver === 'docker') {
    // The docker driver's image exporter stores the image in the engine as it pushes. Given as
    // --push --load next to a third output, buildx runs two exporters that race to create the same
    // image name in the engine ("already exists"); one exporter does both without a race.
    args.push('--output', 'type=image,push=true')
  } else {
    if (inputs.push) args.push('--push')
    if (inputs.load || paths.loadAs !== undefined) args.push('--load')
  }
  // Last on purpose: several exporters each write their own index, and the export is read from
  // its own blobs, whatever the metadata file names.
  if (paths.pushTo !== undefined) args.push('--output', `type=image,name=${paths.pushTo},push=true,store=false,registry.insecure=true`)
  else if (paths.ociStream) args.push('--output', 'type=oci,dest=-')
  else if (paths.ociDir !== undefined) args.push('--output', `type=oci,dest=${paths.ociDir},tar=false`)
  args.push(inputs.context)
  return args
}

/** A Git URL or a tarball's: the context is fetched by BuildKit, not read from the checkout. */
export const isRemoteContext = (context: string): boolean => /^[a-z]+:\/\/|^git@/.test(context)

/** A `build-contexts` value that names a folder (`src=../lib`), not an image, a URL or a layout. */
const isFolderContext = (value: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.startsWith('git@')

/** A remote context has no merge base in the checkout to build. */
export function refuseRemoteBase(inputs: Inputs): void {
  if (isRemoteContext(inputs.context)) {
    throw new InputError(`Input "${Input.Baseline}": build needs a context in the checkout, and "${inputs.context}" (${Input.Context}) is remote: compare with a report or an image instead`)
  }
}

/** A path of the checkout as the base's build reads it: in the worktree, or where it is when the repository does not hold it. */
export type TreePath = (file: string) => { path: string; inRepository: boolean }

/**
 * The inputs of the build of the merge base (`baseline: build`), from the head's: the same build
 * with paths in the base's worktree (`inTree` maps them), and
 * nothing that leaves the build: no push, load, outputs, tags, attestations or cache-to. The cache
 * is read as the head's build reads it (type=gha included), and never written.
 */
export function baseBuildInputs(inputs: Inputs, cache: CacheSpecs, inTree: TreePath): { inputs: Inputs; cache: CacheSpecs } {
  refuseRemoteBase(inputs)
  const context = inTree(inputs.context)
  if (!context.inRepository) {
    throw new InputError(`Input "${Input.Baseline}": build needs a context in the repository, and "${inputs.context}" (${Input.Context}) is outside it`)
  }
  // A file outside the repository is not versioned: the same one builds both.
  const mapped = (file: string): string => inTree(file).path
  const buildContexts = inputs['build-contexts'].map(item => {
    const separator = item.indexOf('=')
    const value = item.slice(separator + 1)
    return separator > 0 && isFolderContext(value) ? `${item.slice(0, separator)}=${mapped(value)}` : item
  })
  return {
    inputs: {
      ...inputs,
      context: context.path,
      file: inputs.file === '' ? '' : mapped(inputs.file),
      'build-contexts': buildContexts,
      push: false,
      load: false,
      outputs: [],
      tags: [],
      call: '',
      provenance: 'false',
      sbom: '',
      attests: [],
      'cache-from': cache.from,
      'cache-to': []
    },
    cache: { from: cache.from, to: [] }
  }
}
