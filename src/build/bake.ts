// docker buildx bake: the definition's targets (from `bake --print`) become one image each, all
// built in one bake run that also writes each target's OCI layout for measuring. Arguments come
// from pure functions, as for a single build.
import { readFile } from 'node:fs/promises'
import * as path from 'node:path'
import { InputError } from '../config/errors.js'
import type { Inputs } from '../config/inputs.js'
import { Input } from '../constants.js'
import type { Exec, Host } from '../host.js'
import { slugOf } from '../names.js'
import { attestationAttributes } from './args.js'
import { BuildError, builderDriver, imageStore, pushedDigest, type BuildResult } from './build.js'
import { describeFailure, isEngineUnreachable, parseProgress } from './progress.js'

/** Whether the inputs ask for a bake definition rather than one Dockerfile. */
export const isBake = (inputs: Pick<Inputs, 'files' | 'targets' | 'source'>): boolean => inputs.files.length > 0 || inputs.targets.length > 0 || inputs.source !== ''

/**
 * The default name of a bake run, its comment's key: from its targets, else its definition files,
 * so that two bake steps of one workflow keep two comments.
 */
export function bakeRunName(inputs: Pick<Inputs, 'targets' | 'files'>): string {
  if (inputs.targets.length > 0) return inputs.targets.join('+')
  if (inputs.files.length > 0) return inputs.files.map(file => path.basename(file).replace(/\.(hcl|json|ya?ml)$/, '')).join('+')
  return 'bake'
}

/** A target as `bake --print` describes it, with the fields a single build would take as inputs. */
export interface BakeTarget {
  name: string
  context: string
  dockerfile: string
  target: string
  platforms: string[]
  tags: string[]
  buildArgs: string[]
  labels: string[]
}

/** The flags every bake call shares: definition files, overrides, the source and the targets last. */
function definitionArgs(inputs: Inputs): { flags: string[]; positionals: string[] } {
  const flags: string[] = []
  if (inputs.builder !== '') flags.push('--builder', inputs.builder)
  for (const file of inputs.files) flags.push('--file', file)
  for (const override of inputs.set) flags.push('--set', override)
  return { flags, positionals: [...(inputs.source !== '' ? [inputs.source] : []), ...inputs.targets] }
}

/** `KEY=value` lines of `vars` as the environment bake reads its variables from. */
export function bakeVariables(inputs: Pick<Inputs, 'vars'>): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const item of inputs.vars) {
    const separator = item.indexOf('=')
    if (separator <= 0) throw new InputError(`Input "${Input.Vars}": "${item}" is not of the form NAME=value`)
    variables[item.slice(0, separator).trim()] = item.slice(separator + 1)
  }
  return variables
}

export function printArgs(inputs: Inputs): string[] {
  const { flags, positionals } = definitionArgs(inputs)
  return ['buildx', 'bake', '--print', ...flags, ...positionals]
}

/** Where bake writes each target's layout: one folder per target, below the run's bake folder. */
export function layoutDir(dir: string, target: string): string {
  return path.join(dir, 'oci', slugOf(target))
}

/** The argv of the one bake run that builds every target and writes each one's layout beside its outputs. */
export function bakeArgs(inputs: Inputs, targets: readonly string[], dir: string, driver = ''): string[] {
  const { flags, positionals } = definitionArgs(inputs)
  const args = ['buildx', 'bake', '--progress=plain', '--metadata-file', path.join(dir, 'metadata.json'), ...flags]
  // Bake refuses to write outside its context without this entitlement.
  args.push('--allow', `fs.write=${dir}`)
  for (const allow of inputs.allow) args.push('--allow', allow)
  if (inputs['no-cache']) args.push('--no-cache')
  if (inputs.pull) args.push('--pull')
  if (inputs.provenance !== '') args.push('--provenance', attestationAttributes(inputs.provenance))
  if (inputs.sbom !== '') args.push('--sbom', attestationAttributes(inputs.sbom))
  // bake's --push and --load only apply to targets without outputs, and every target gets one
  // here (its layout): they become outputs of each target instead, as docker/bake-action means them.
  const outputs: string[] = []
  if (inputs.push && inputs.load && driver === 'docker') outputs.push('type=image,push=true')
  else {
    if (inputs.push) outputs.push('type=registry')
    if (inputs.load) outputs.push('type=docker')
  }
  for (const target of targets) {
    for (const output of outputs) args.push('--set', `${target}.output+=${output}`)
    args.push('--set', `${target}.output+=type=oci,dest=${layoutDir(dir, target)},tar=false`)
  }
  return [...args, ...positionals]
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [])
const pairs = (value: unknown): string[] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}=${v as string}`)
    : []

/** Reads `bake --print`: `{ group, target: { name: { context, dockerfile, target, platforms, ... } } }`. */
export function parseBakePrint(stdout: string, cwd: string): BakeTarget[] {
  let parsed: { target?: unknown }
  try {
    parsed = JSON.parse(stdout.slice(Math.max(0, stdout.indexOf('{')))) as typeof parsed
  } catch {
    throw new InputError(`docker buildx bake --print did not print a bake definition: ${stdout.slice(0, 200)}`)
  }
  const targets = parsed.target
  if (targets === null || typeof targets !== 'object' || Array.isArray(targets) || Object.keys(targets).length === 0) {
    throw new InputError(`Inputs "${Input.Files}" and "${Input.Targets}": the bake definition has no targets`)
  }
  return Object.entries(targets as Record<string, Record<string, unknown>>).map(([name, target]) => {
    const context = typeof target.context === 'string' ? target.context : '.'
    const remote = /^[a-z]+:\/\/|^git@/.test(context)
    const dockerfile = typeof target.dockerfile === 'string' ? target.dockerfile : 'Dockerfile'
    return {
      name,
      context: remote ? context : path.relative(cwd, path.resolve(cwd, context)) || '.',
      // bake reads the Dockerfile relative to the target's context.
      dockerfile: remote || path.isAbsolute(dockerfile) ? dockerfile : path.relative(cwd, path.resolve(cwd, context, dockerfile)),
      target: typeof target.target === 'string' ? target.target : '',
      platforms: strings(target.platforms),
      tags: strings(target.tags),
      buildArgs: pairs(target.args),
      labels: pairs(target.labels)
    }
  })
}

/** The targets of the definition the inputs name. */
export async function bakeTargets(inputs: Inputs, deps: { exec: Exec; cwd: string }): Promise<BakeTarget[]> {
  const result = await deps.exec('docker', printArgs(inputs), { silent: true, cwd: deps.cwd, env: bakeVariables(inputs) })
  if (result.exitCode !== 0) {
    const problem = isEngineUnreachable(result.stderr) ? 'the Docker engine is not reachable' : describeFailure(`${result.stdout}\n${result.stderr}`)
    throw new InputError(`Inputs "${Input.Files}", "${Input.Targets}", "${Input.Set}": the bake definition cannot be read: ${problem}`)
  }
  return parseBakePrint(result.stdout, deps.cwd)
}

/** A single build's inputs for one target: what the stages after the build read (Dockerfile, stage, platforms, tags). */
export function targetInputs(base: Inputs, target: BakeTarget): Inputs {
  return {
    ...base,
    name: target.name,
    context: target.context,
    file: target.dockerfile,
    target: target.target,
    platforms: target.platforms,
    tags: target.tags,
    'build-args': target.buildArgs,
    labels: target.labels
  }
}

// The docker driver's content store can refuse two exports writing one blob at once ("locked"): such a run is tried again.
const CONTENT_STORE_RACE = /locked for .* unavailable/

/** Builds every target in one bake run; each target's result, as a single build's. */
export async function runBake(
  inputs: Inputs,
  targets: ReadonlyArray<{ name: string; tags: readonly string[] }>,
  deps: { exec: Exec; host: Host; cwd: string; dir: string; clock: { now(): number } }
): Promise<Map<string, BuildResult>> {
  if ((await imageStore(deps.exec, inputs.builder, deps.cwd)) === 'classic') {
    // Every target is measured from the OCI layout bake exports, which that builder does not write.
    throw new InputError(
      `Input "${Input.Files}": a bake definition needs the docker-container driver (docker/setup-buildx-action) or the containerd image store, and this engine's docker driver keeps images in the classic store, from which buildx exports no OCI layout`
    )
  }
  const driver = inputs.push && inputs.load ? await builderDriver(deps.exec, inputs.builder, deps.cwd) : ''
  const args = bakeArgs(inputs, targets.map(target => target.name), deps.dir, driver)
  const started = deps.clock.now()
  let result = await deps.exec('docker', args, { cwd: deps.cwd, env: bakeVariables(inputs) })
  if (result.exitCode !== 0 && CONTENT_STORE_RACE.test(result.stderr)) {
    deps.host.warning('The engine refused two exports of one blob at once; building the bake definition again')
    result = await deps.exec('docker', args, { cwd: deps.cwd, env: bakeVariables(inputs) })
  }
  const seconds = Math.round((deps.clock.now() - started) / 100) / 10
  if (result.exitCode !== 0) throw new BuildError(`docker buildx bake failed (exit code ${result.exitCode})\n${describeFailure(`${result.stdout}\n${result.stderr}`)}`)
  let metadata: Record<string, Record<string, unknown>> = {}
  try {
    metadata = JSON.parse(await readFile(path.join(deps.dir, 'metadata.json'), 'utf8')) as typeof metadata
  } catch {
    deps.host.warning('buildx bake wrote no metadata file: the digest outputs come from the measured images')
  }
  const results = new Map<string, BuildResult>()
  for (const { name, tags } of targets) {
    const pushed = inputs.push && tags[0] ? await pushedDigest(deps.exec, tags[0], deps.cwd) : undefined
    results.set(name, {
      ...parseProgress(result.stderr, name),
      seconds,
      ociDir: layoutDir(deps.dir, name),
      metadata: metadata[name] ?? {},
      ...(pushed ? { pushedDigest: pushed } : {})
    })
  }
  return results
}
