// Checks of every input that names a file, a version or a reference, made before the build starts:
// a bad value never costs a build, and is named in the error with the input it came from.
import { readFile, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { readBaselineFile } from './baseline/baseline.js'
import { looksLikeFile } from './baseline/step.js'
import { InputError } from './config/errors.js'
import type { Inputs } from './config/inputs.js'
import { Input } from './constants.js'
import { parseReference, ReferenceError } from './image/reference.js'
import { checkVersionInput } from './scan/install.js'
import { readIgnores } from './scan/scan-step.js'
import { parseTrivyReport } from './scan/trivy-report.js'

async function checkTrivyReport(file: string, cwd: string): Promise<void> {
  let text: string
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8')
  } catch (error) {
    throw new InputError(`Input "${Input.TrivyReport}": cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  try {
    parseTrivyReport(text, file)
  } catch (error) {
    throw new InputError(`Input "${Input.TrivyReport}": ${(error as Error).message}`)
  }
}

async function checkBaseline(wanted: string, cwd: string): Promise<void> {
  if (wanted === 'auto' || wanted === 'none' || wanted === 'build') return
  const file = path.resolve(cwd, wanted)
  if (looksLikeFile(wanted) || (await stat(file).catch(() => undefined))) {
    try {
      await readBaselineFile(file, wanted)
    } catch (error) {
      throw new InputError((error as Error).message)
    }
    return
  }
  try {
    parseReference(wanted)
  } catch (error) {
    if (error instanceof ReferenceError) {
      throw new InputError(`Input "${Input.Baseline}": "${wanted}" is not auto, build, none, a report file or an image reference (${error.message})`)
    }
    throw error
  }
}

/** Throws an InputError for the first input that cannot work; reads files, builds nothing. */
export async function preflight(inputs: Inputs, cwd: string): Promise<void> {
  if (inputs.scan && inputs['trivy-report'] === '') {
    try {
      checkVersionInput(inputs['trivy-version'])
    } catch (error) {
      throw new InputError((error as Error).message)
    }
  }
  if (inputs['trivy-report'] !== '') await checkTrivyReport(inputs['trivy-report'], cwd)
  await readIgnores(inputs, cwd)
  await checkBaseline(inputs.baseline, cwd)
}
