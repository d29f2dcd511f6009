// The scenarios of a workflow on the real engine, each beside what it would cost without
// image-budget: a build pushed with plain `docker buildx build --push` (what
// docker/build-push-action runs), or for an existing image, fetching and gunzipping each distinct
// layer blob once with Node's zlib. The image: two platforms, over 1 GB of distinct layer content
// (text, 100,000 small files, random data), its context made once and reused.
import { execFileSync } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const MB = 1e6
const CONTEXT_VERSION = 'engine-context-v2'
const PLATFORMS = 'linux/amd64,linux/arm64'
const here = path.dirname(new URL(import.meta.url).pathname)
const cli = path.join(here, '..', 'src', 'cli.js')
const child = path.join(here, 'child.js')

interface Run {
  seconds: number
  maxRssBytes: number
}

/** Runs a command to its end, its output discarded; wall time and peak RSS (the largest process it waited for) from GNU time. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const out = path.join(os.tmpdir(), `image-budget-bench-time-${process.pid}`)
  try {
    execFileSync('/usr/bin/time', ['-f', '%e %M', '-o', out, command, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 })
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').split('\n').slice(-15).join('\n')
    throw new Error(`${command} ${args.join(' ')} failed:\n${stderr}`)
  }
  const [seconds, kilobytes] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
  rmSync(out, { force: true })
  return { seconds, maxRssBytes: kilobytes * 1024 }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Deterministic bytes (AES-CTR of zeros): the same context on every machine, and random data that does not compress. */
function pseudoRandom(seed: string, bytes: number): Buffer {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16))
  return cipher.update(Buffer.alloc(bytes))
}

/** The build context: made once, kept while its version is the same. */
function makeContext(dir: string): { dir: string; bytes: number } {
  const marker = path.join(dir, '.bench-context')
  if (existsSync(marker) && readFileSync(marker, 'utf8').startsWith(CONTEXT_VERSION)) return { dir, bytes: Number(readFileSync(marker, 'utf8').split(' ')[1]) }
  rmSync(dir, { recursive: true, force: true })
  let bytes = 0
  const write = (file: string, data: Buffer | string): void => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), data)
    bytes += Buffer.byteLength(data)
  }
  // Text that compresses as source code and logs do.
  const words = 'const value = require(module) function return export default import from if else for while await async class extends'.split(' ')
  for (let file = 0; file < 50; file++) {
    const lines: string[] = []
    for (let line = 0; line < 100_000; line++) lines.push(`${words[(line * 7 + file) % words.length]} ${line} ${words[(line * 13) % words.length]}_${(line * file) % 9973} = ${line % 1000};`)
    write(`text/file${file}.txt`, lines.join('\n'))
  }
  // 100,000 small files, as a node_modules has.
  const small = pseudoRandom('small', 400 * 1024)
  for (let file = 0; file < 100_000; file++) write(`small/m${Math.floor(file / 1000)}/f${file}.js`, small.subarray(file % 1000, (file % 1000) + 64 + (file % 400)))
  // Random data of each platform: distinct layers.
  for (const architecture of ['amd64', 'arm64']) {
    for (let file = 0; file < 50; file++) write(`random-${architecture}/blob${file}.bin`, pseudoRandom(`${architecture}-${file}`, 8 * 2 ** 20))
  }
  write('change.txt', 'the line a rebuild changes\n')
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM scratch\nARG TARGETARCH\nCOPY text /text\nCOPY small /small\nCOPY random-${TARGETARCH} /random\nCOPY change.txt /change.txt\n'
  )
  writeFileSync(path.join(dir, '.dockerignore'), '.bench-context\n')
  writeFileSync(marker, `${CONTEXT_VERSION} ${bytes}`)
  return { dir, bytes }
}

function engineProblem(registry: string): string | undefined {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore' })
  } catch {
    return 'the Docker engine is not reachable'
  }
  try {
    execFileSync('curl', ['-sf', `http://${registry}/v2/`], { stdio: 'ignore' })
  } catch {
    return `no registry answers on ${registry}`
  }
  return undefined
}

export interface EngineRow {
  scenario: string
  measured: Run
  plain: Run
  plainName: string
  goal: string
  /** The median of each run's ratio to the plain run beside it: the machine's drift cancels within a pair. */
  ratio: number
}

/**
 * Runs every scenario `runs` times, image-budget and its plain counterpart in turn (so that a drift
 * of the machine's speed hits both), and returns the medians; undefined with the reason when
 * there is no engine or registry.
 */
export function engineScenarios(
  root: string,
  runs: number,
  warmRuns: number,
  registry = process.env.BENCH_REGISTRY ?? '127.0.0.1:5000'
): { rows: EngineRow[]; contextBytes: number } | string {
  const problem = engineProblem(registry)
  if (problem) return problem
  const started = Date.now()
  const context = makeContext(path.join(root, 'engine-context'))
  console.log(`engine context: ${(context.bytes / MB).toFixed(0)} MB, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const tag = `${registry}/image-budget-bench/app:latest`
  const report = path.join(root, 'engine-report.json')
  const plainBuild = (extra: string[] = []) => timed('docker', ['buildx', 'build', '--progress=quiet', '--platform', PLATFORMS, '--tag', tag, '--push', ...extra, context.dir])
  const storeDirs: string[] = []
  const freshStore = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'image-budget-bench-layers-'))
    storeDirs.push(dir)
    return dir
  }
  const imageBudget = (args: string[], store: string) =>
    timed(process.execPath, [cli, '--scan', 'false', '--name', 'bench', '--report', report, ...args], { ...process.env, IMAGE_BUDGET_CACHE_DIR: store })
  const measuredBuild = (store: string, extra: string[] = []) => imageBudget(['--platforms', PLATFORMS, '--tags', tag, '--push', ...extra, context.dir], store)

  const rows: EngineRow[] = []
  // A warm build's time is mostly buildx sending the context, which varies by seconds from run to
  // run here: warm scenarios take more pairs than the cold one, whose builds take a minute.
  const scenario = (name: string, plainName: string, goal: string, plain: () => Run, measured: () => Run, pairs = warmRuns): void => {
    const plains: Run[] = []
    const measures: Run[] = []
    for (let run = 0; run < pairs; run++) {
      plains.push(plain())
      measures.push(measured())
    }
    const of = (list: Run[]): Run => ({ seconds: median(list.map(run => run.seconds)), maxRssBytes: median(list.map(run => run.maxRssBytes)) })
    const ratio = median(measures.map((run, index) => run.seconds / plains[index].seconds))
    rows.push({ scenario: name, measured: of(measures), plain: of(plains), plainName, goal, ratio })
    console.log(`${name}: ${of(measures).seconds.toFixed(1)} s against ${of(plains).seconds.toFixed(1)} s (${plainName}), ${ratio.toFixed(2)}x pair by pair`)
  }
  try {
    scenario(
      'cold build + measure (--no-cache, empty layer store)',
      'buildx build --push --no-cache',
      '',
      () => plainBuild(['--no-cache']),
      () => measuredBuild(freshStore(), ['--no-cache']),
      runs
    )
    const warmStore = freshStore()
    measuredBuild(warmStore)
    scenario('warm build + measure (all cached)', 'buildx build --push', '<= 1.5x', () => plainBuild(), () => measuredBuild(warmStore))
    // Not pushed (a pull request's build): image-budget reads the OCI layout buildx exports, to a
    // folder or (export-mode stream) from its standard output, beside a plain build that keeps its
    // result in the build cache only.
    const unpushed = () => timed('docker', ['buildx', 'build', '--progress=quiet', '--platform', PLATFORMS, context.dir])
    scenario('warm build, not pushed + measure (export-mode folder)', 'buildx build', '', unpushed, () =>
      imageBudget(['--platforms', PLATFORMS, '--export-mode', 'folder', context.dir], warmStore)
    )
    scenario('warm build, not pushed + measure (export-mode stream)', 'buildx build', '', unpushed, () =>
      imageBudget(['--platforms', PLATFORMS, '--export-mode', 'stream', context.dir], warmStore)
    )
    // Pushed to the step's own registry, which says it has every layer the store read before: what
    // export-mode auto picks on this engine (the docker driver, the containerd image store).
    scenario('warm build, not pushed + measure (export-mode registry)', 'buildx build', '<= 1.5x', unpushed, () =>
      imageBudget(['--platforms', PLATFORMS, '--export-mode', 'registry', context.dir], warmStore)
    )
    let edits = 0
    const edit = (): void => appendFileSync(path.join(context.dir, 'change.txt'), `edit ${Date.now()} ${edits++}\n`)
    scenario('one-line change, not pushed + measure (export-mode registry)', 'buildx build', '<= 1.5x', () => (edit(), unpushed()), () =>
      (edit(), imageBudget(['--platforms', PLATFORMS, '--export-mode', 'registry', context.dir], warmStore))
    )
    scenario(
      'one-line change + measure',
      'buildx build --push',
      '<= 1.5x',
      () => (edit(), plainBuild()),
      () => (edit(), measuredBuild(warmStore))
    )
    // The pushed build is also in the engine (the docker driver's image exporter stores it).
    scenario('existing image from the engine (empty layer store)', 'docker image save | gunzip each layer', '<= 1.25x', () => timed(process.execPath, [child, 'gunzip-save', tag]), () =>
      imageBudget(['--image', tag], freshStore())
    )
    execFileSync('docker', ['image', 'rm', tag], { stdio: 'ignore' })
    scenario('existing image from the registry (empty layer store)', 'fetch + gunzip each layer', '<= 1.25x', () => timed(process.execPath, [child, 'gunzip-registry', tag]), () =>
      imageBudget(['--image', tag], freshStore())
    )
  } finally {
    for (const dir of storeDirs) rmSync(dir, { recursive: true, force: true })
    rmSync(report, { force: true })
  }
  return { rows, contextBytes: context.bytes }
}
