// The images a run measures, resolved once from the inputs and the budget file: every stage after
// this takes an ImageSpec and nothing else of the configuration.
import { access } from 'node:fs/promises'
import * as path from 'node:path'
import { loadConfig, type Config } from '../config/config.js'
import type { Inputs } from '../config/inputs.js'
import { Input } from '../constants.js'
import { FILE_LIMITS, readRegularFile, requireRegularFile } from '../files/safe-read.js'
import { bakeRunName, bakeTargets, isBake, targetInputs } from '../build/bake.js'
import { InputError } from '../config/errors.js'
import type { Exec } from '../host.js'
import { slugOf } from '../names.js'

/** One image: what to build or open, its budgets, smells settings, secrets, and where its report goes. */
export interface ImageSpec extends Config {
  reportPath: string
  origin: { kind: 'build' } | { kind: 'image'; reference: string } | { kind: 'bake'; target: string }
}

export function defaultReportPath(name: string, tempRoot: string): string {
  return path.join(tempRoot, 'image-budget', `${slugOf(name)}.json`)
}

/** The report path asked for, or the default one of a name: known before anything else is read. */
export function reportPathOf(inputs: Pick<Inputs, 'report'>, name: string, where: { cwd: string; tempRoot: string }): string {
  return inputs.report !== '' ? path.resolve(where.cwd, inputs.report) : defaultReportPath(name, where.tempRoot)
}

/**
 * Reads the budget file and checks the secret files: an ImageSpec per image the inputs name, one
 * per target of a bake definition (its budgets those of `images.<target>`).
 */
export async function resolveSpecs(inputs: Inputs, where: { cwd: string; tempRoot: string; exec: Exec }): Promise<ImageSpec[]> {
  if (!isBake(inputs)) return [await resolveSpec(inputs, where, inputs.image !== '' ? { kind: 'image', reference: inputs.image } : { kind: 'build' })]
  if (inputs.image !== '') throw new InputError(`Input "${Input.Image}" measures an existing image: it cannot be given with a bake definition ("${Input.Files}", "${Input.Targets}", "${Input.Source}")`)
  if (inputs.baseline === 'build') {
    throw new InputError(`Input "${Input.Baseline}": build is not supported with a bake definition ("${Input.Files}", "${Input.Targets}", "${Input.Source}"): compare with the reports kept by baseline auto, a report or an image`)
  }
  const targets = await bakeTargets(inputs, where)
  const runName = inputs.name !== '' ? inputs.name : bakeRunName(inputs)
  // Each target's report goes in a folder of the run's, beside the run's own report: never on it.
  const folder = path.join(path.dirname(reportPathOf(inputs, runName, where)), slugOf(runName))
  const slugs = new Map<string, string>()
  for (const target of targets) {
    const other = slugs.get(slugOf(target.name))
    if (other !== undefined) throw new InputError(`Inputs "${Input.Files}", "${Input.Targets}": targets "${other}" and "${target.name}" would share files (${slugOf(target.name)}): rename one`)
    slugs.set(slugOf(target.name), target.name)
  }
  const specs: ImageSpec[] = []
  for (const target of targets) {
    const perTarget = { ...targetInputs(inputs, target), report: path.join(folder, `${slugOf(target.name)}.json`) }
    specs.push(await resolveSpec(perTarget, where, { kind: 'bake', target: target.name }))
  }
  return specs
}

async function resolveSpec(inputs: Inputs, where: { cwd: string; tempRoot: string }, origin: ImageSpec['origin']): Promise<ImageSpec> {
  const config = await loadConfig(inputs, {
    cwd: where.cwd,
    readText: file => readRegularFile(file, FILE_LIMITS[Input.BudgetFile]),
    exists: file => access(file).then(
      () => true,
      () => false
    )
  })
  for (const secret of config.secretFiles) {
    await requireRegularFile(Input.SecretFiles, `${secret.id}=${path.relative(where.cwd, secret.path)}`, secret.path)
  }
  return { ...config, reportPath: reportPathOf(inputs, config.name, where), origin }
}
