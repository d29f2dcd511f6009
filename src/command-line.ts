import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { Input, type InputName } from './constants.js'
import { imageName } from './config/config.js'
import { InputError } from './config/errors.js'
import { getInputs, type Inputs } from './config/inputs.js'
import { createExec, maskingStream } from './exec.js'
import type { Host } from './host.js'
import { localLayerCacheDir } from './image/layer-cache.js'
import { execute, handleSignals, nodeDeps, type Deps } from './main.js'
import { slugOf } from './names.js'
import { createScrubber, secretValues, type Scrub } from './secrets.js'
import { combineReports, isCombineMode, type CombineDeps } from './combine/run.js'
import { compareInputs, COMPARE_USAGE, renderComparison } from './compare/command.js'
import { HISTORY_USAGE, loadHistoryFor, renderHistory } from './history/command.js'
import { serializeHistory } from './history/history.js'

export const ExitCode = { Ok: 0, BudgetFailed: 1, Error: 2 } as const

const BOOLEAN_INPUTS: readonly InputName[] = [Input.Push, Input.Load, Input.NoCache, Input.Pull, Input.IgnoreUnfixed]
const MULTIPLE_INPUTS: readonly InputName[] = [
  Input.Files,
  Input.Targets,
  Input.Set,
  Input.Vars,
  Input.AddHosts,
  Input.Allow,
  Input.Annotations,
  Input.Attests,
  Input.BuildContexts,
  Input.NoCacheFilters,
  Input.Outputs,
  Input.SecretEnvs,
  Input.Ssh,
  Input.Ulimit,
  Input.Platforms,
  Input.BuildArgs,
  Input.Secrets,
  Input.SecretFiles,
  Input.Tags,
  Input.Labels,
  Input.CacheFrom,
  Input.CacheTo,
  Input.Trivyignores,
  Input.TrivyDbRepository,
  Input.Reports,
  Input.Expect
]

export const USAGE = `Usage: image-budget [options] [context]

Builds the image with docker buildx (or measures --image), measures every platform and checks the
budgets; with --reports, combines the reports of other runs into one verdict and builds nothing.
Options are the action's inputs, e.g.:
  --file Dockerfile --target runtime --platforms linux/amd64,linux/arm64
  --max-size 150MB --max-compressed-size 60MiB --max-layers 20 --max-layer-size 50MB
  --budget-file .github/image-budget.yml --image registry.example/app:1.2 --report report.json
  --scan false --severity HIGH,CRITICAL --max-vulnerabilities critical=0,high=5 --sarif out.sarif
  --baseline build --baseline-ref origin/main --max-size-increase 5%
  --reports 'artifacts/**/*.json' --expect api,web
List options (--platforms, --build-args, --tags, ...) may be repeated. Flags: --push --load --no-cache --pull
--ignore-unfixed.
Exit status: 0 within budget, 1 over budget, 2 bad input or a failed build.

Other commands (a context folder named like one is given as ./history):
  image-budget history --name NAME | --from FILE|FOLDER   an image's history as a table
  image-budget compare A B                                 what came, went and grew from A to B`

export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** A host printing to the terminal; `mask` scrubs what it prints of every secret it was given. */
function terminalHost(io: CliIo): Host & { mask: Scrub } {
  const secrets: string[] = []
  let scrub = createScrubber(secrets)
  const mask: Scrub = text => scrub(text)
  const line = (text: string): void => {
    io.stderr.write(`${mask(text)}\n`)
  }
  return {
    mask,
    info: line,
    notice: message => line(`notice: ${message}`),
    warning: message => line(`warning: ${message}`),
    error: message => line(`error: ${message}`),
    group: async (name, work) => {
      line(`== ${name}`)
      return work()
    },
    setOutput: () => undefined,
    setSecret: value => {
      if (value === '') return
      secrets.push(value)
      scrub = createScrubber(secrets)
    },
    present: async (_markdown, text) => {
      io.stdout.write(mask(text))
    }
  }
}

/** Reads flags named like the action's inputs; a positional argument is the context. */
export function parseCliArgs(argv: string[]): { values: Map<InputName, string>; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } }
  for (const name of Object.values(Input)) {
    options[name] = BOOLEAN_INPUTS.includes(name)
      ? { type: 'boolean' }
      : { type: 'string', multiple: MULTIPLE_INPUTS.includes(name) }
  }
  let parsed
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n\n${USAGE}`)
  }
  const values = new Map<InputName, string>()
  for (const [key, value] of Object.entries(parsed.values)) {
    if (key === 'help') continue
    values.set(key as InputName, Array.isArray(value) ? value.join('\n') : String(value))
  }
  if (parsed.positionals.length > 1) throw new InputError(`Only one context may be given, got ${parsed.positionals.join(' ')}`)
  if (parsed.positionals.length === 1) {
    if (values.has(Input.Context)) throw new InputError('Give the context either as --context or as an argument, not both')
    values.set(Input.Context, parsed.positionals[0])
  }
  return { values, help: parsed.values.help === true }
}

/** The report's default file name in the CLI's working folder. */
export function cliReportFile(name: string): string {
  return `image-budget-${slugOf(name)}.json`
}

/** The file combine mode writes by default, in the CLI's working folder. */
export const CLI_COMBINED_REPORT_FILE = 'image-budget-combined.json'

/** Combine mode from the terminal: the combined report beside the user, the exit status as for one image. */
async function combineFromCli(inputs: Inputs, host: Host, deps: CombineDeps): Promise<number> {
  const outcome = await combineReports(inputs.report !== '' ? inputs : { ...inputs, report: path.join(deps.cwd, CLI_COMBINED_REPORT_FILE) }, host, deps)
  return outcome.failed ? ExitCode.BudgetFailed : ExitCode.Ok
}

/** `history` and `compare`: they print, judge nothing, and exit 0 unless the input is wrong. */
async function runCommand(command: 'history' | 'compare', argv: string[], io: CliIo, host: Host, deps: Partial<Deps>): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout.write(`${command === 'history' ? HISTORY_USAGE : COMPARE_USAGE}\n`)
    return ExitCode.Ok
  }
  const base = nodeDeps()
  const env = deps.env ?? base.env
  const cwd = deps.cwd ?? base.cwd
  if (command === 'history') {
    const { history, json } = await loadHistoryFor(argv, { cwd, env, fetch: deps.fetch ?? base.fetch })
    io.stdout.write(json ? serializeHistory(history) : renderHistory(history))
    return ExitCode.Ok
  }
  // Interrupted, compare still removes the folder it reads images into, as a run does its work folders.
  if (io.stdout === process.stdout) handleSignals({ ...base, ...deps }, host)
  const { comparison, top } = await compareInputs(argv, { cwd, env, exec: deps.exec ?? createExec(), fetch: deps.fetch ?? base.fetch, layerCacheDir: deps.layerCacheDir ?? localLayerCacheDir(env) })
  io.stdout.write(renderComparison(comparison, top))
  return ExitCode.Ok
}

/** The CLI over the same core as the action; returns the exit status. */
export async function runCli(argv: string[], io: CliIo, deps: Partial<Deps> = {}): Promise<number> {
  const host = terminalHost(io)
  try {
    if (argv[0] === 'history' || argv[0] === 'compare') return await runCommand(argv[0], argv.slice(1), io, host, deps)
    const { values, help } = parseCliArgs(argv)
    if (help) {
      io.stdout.write(`${USAGE}\n`)
      return ExitCode.Ok
    }
    const given = getInputs(name => values.get(name) ?? '')
    const base = nodeDeps()
    const cwd = deps.cwd ?? base.cwd
    // Combine mode: one verdict over the reports of other runs; nothing is built.
    if (isCombineMode(given)) return await combineFromCli(given, host, { ...base, ...deps, cwd })
    // Beside the user, never in the shared temporary folder where anyone may have planted a link.
    const inputs = given.report !== '' ? given : { ...given, report: path.join(cwd, cliReportFile(imageName(given, cwd))) }
    for (const secret of secretValues(inputs, deps.env ?? base.env)) host.setSecret(secret)
    const layerCacheDir = localLayerCacheDir(base.env)
    const cacheRoot = path.dirname(layerCacheDir)
    const runDeps: Deps = {
      ...base,
      // Programs' output is echoed masked: buildx may print a build secret.
      exec: createExec(maskingStream(io.stderr, host.mask)),
      layerCacheDir,
      toolDir: path.join(cacheRoot, 'trivy', 'bin'),
      trivyCacheDir: path.join(cacheRoot, 'trivy', 'cache'),
      ...deps
    }
    // Only the real process stops on a signal; a caller that passes its own streams keeps its own handlers.
    if (io.stdout === process.stdout) handleSignals(runDeps, host)
    const outcome = await execute(inputs, host, runDeps)
    io.stderr.write(`report: ${outcome.reportPath}\n`)
    return outcome.failed ? ExitCode.BudgetFailed : ExitCode.Ok
  } catch (error) {
    host.error(error instanceof Error ? error.message : String(error))
    return ExitCode.Error
  }
}
