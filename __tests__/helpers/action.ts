import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { tempDir } from './temp.js'

/** The Node.js 24 that runners run the action with (`using: node24`), from scripts/ensure-node24.sh. */
export const NODE24 = path.join(process.env.IMAGE_BUDGET_ASSETS ?? '/opt/image-budget', 'node24', 'bin', 'node')

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname)
/** The bundle the steps run: dist/, or another build of it (IMAGE_BUDGET_DIST) to try a change before dist is rebuilt. */
export const DIST = process.env.IMAGE_BUDGET_DIST ?? path.join(ROOT, 'dist')

export interface StepResult {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/** Reads the GITHUB_OUTPUT file: `name<<delimiter`, the value, then the delimiter. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!match) continue
    const value: string[] = []
    while (lines[++i] !== match[2]) value.push(lines[i])
    outputs[match[1]] = value.join('\n')
  }
  return outputs
}

/** Environment without the runner's cache variables, so that no type=gha default applies. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) {
    if (key.startsWith('INPUT_') || key.startsWith('ACTIONS_') || key.startsWith('GITHUB_')) delete env[key]
  }
  return env
}

function prepareStep(inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv) {
  const files = tempDir('image-budget-step-')
  const outputFile = path.join(files, 'output')
  const summaryFile = path.join(files, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: NodeJS.ProcessEnv = { ...cleanEnv(), GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: files, ...extraEnv }
  // Trivy cannot be downloaded here: steps that are not about scanning leave it out.
  for (const [name, value] of Object.entries({ scan: 'false', ...inputs })) env[`INPUT_${name.toUpperCase()}`] = value
  const finish = (exitCode: number, stdout: string, stderr: string): StepResult => ({
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8')
  })
  return { env, finish }
}

/** What a child process printed, and how it ended. */
async function collect(child: ChildProcessWithoutNullStreams): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => (stdout += String(chunk)))
  child.stderr.on('data', chunk => (stderr += String(chunk)))
  const exitCode = await new Promise<number>(resolve => child.on('close', code => resolve(code ?? -1)))
  return { exitCode, stdout, stderr }
}

/** Runs dist/index.js as the runner does: inputs as INPUT_* variables, files for outputs and summary. */
export function runActionStep(cwd: string, inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}, node = process.execPath): StepResult {
  const { env, finish } = prepareStep(inputs, extraEnv)
  const result = spawnSync(node, [path.join(DIST, 'index.js')], { cwd, env, encoding: 'utf8' })
  return finish(result.status ?? -1, result.stdout, result.stderr)
}

/** The same, without blocking: for steps that talk to servers running in the test's own process. `entry`: a build other than dist/. */
export async function runActionStepAsync(cwd: string, inputs: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}, entry = path.join(DIST, 'index.js')): Promise<StepResult> {
  const { env, finish } = prepareStep(inputs, extraEnv)
  const { exitCode, stdout, stderr } = await collect(spawn(process.execPath, [entry], { cwd, env }))
  return finish(exitCode, stdout, stderr)
}

export function runCliProcess(cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const scan = args.includes('--scan') ? [] : ['--scan', 'false']
  const result = spawnSync(process.execPath, [path.join(DIST, 'cli/index.js'), ...scan, ...args], {
    cwd,
    env: { ...cleanEnv(), IMAGE_BUDGET_CACHE_DIR: tempDir('image-budget-cli-cache-'), ...extraEnv },
    encoding: 'utf8'
  })
  return { exitCode: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

/** The CLI's bundle with arguments as given, without blocking: for commands that talk to servers running in the test's own process. */
export async function runCliProcessAsync(cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, entry = path.join(ROOT, 'dist/cli/index.js')) {
  return collect(spawn(process.execPath, [entry, ...args], { cwd, env: { ...cleanEnv(), IMAGE_BUDGET_CACHE_DIR: tempDir('image-budget-cli-cache-'), ...extraEnv } }))
}
