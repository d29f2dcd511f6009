// npm run bench: the full analysis of image-budget (measurement, overlay filesystem, waste, top
// lists) against a plain streaming gunzip of the same layer blobs, on an image of over 1 GiB of
// layer content across two platforms; peak RSS, also for an image of a million files; and the
// time to analyse again after a rebuild that changed one small layer. Each figure comes from its
// own child process, so that its peak RSS is its own. Then the scenarios of a workflow on the real
// engine (see engine.ts), when there is one: BENCH_ONLY=layout or BENCH_ONLY=engine runs one part.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { engineScenarios } from './engine.js'
import { generateLayout, rebuildLayout, type GeneratedLayout } from './generate.js'

const GiB = 2 ** 30
const MB = 1e6
const root = process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'image-budget-bench')
const runs = Number(process.env.BENCH_RUNS ?? 3)
const warmRuns = Number(process.env.BENCH_WARM_RUNS ?? 5)
const millionFiles = Number(process.env.BENCH_FILES ?? 1_000_000)
const only = process.env.BENCH_ONLY ?? ''

interface ChildResult {
  mode: string
  seconds: number
  result: number
  layersRead: number
  maxRssBytes: number
}

function child(mode: 'measure' | 'gunzip', dir: string, storeDir?: string): ChildResult {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'child.js')
  const args = [script, mode, dir, ...(storeDir ? [storeDir] : [])]
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 })) as ChildResult
}

function best(mode: 'measure' | 'gunzip', dir: string): ChildResult {
  let fastest: ChildResult | undefined
  for (let run = 0; run < runs; run++) {
    const result = child(mode, dir)
    if (!fastest || result.seconds < fastest.seconds) fastest = result
  }
  return fastest!
}

function describe(layout: GeneratedLayout, seconds: number): string {
  return `${layout.layers} layers, ${layout.files.toLocaleString('en')} files, ${(layout.contentBytes / GiB).toFixed(2)} GiB of file content (${(layout.tarBytes / GiB).toFixed(2)} GiB of tar), ready in ${seconds.toFixed(1)} s`
}

/** Analyses the layout once into a store, then the rebuilt layout with that store: the re-analysis. */
function reanalysis(layout: GeneratedLayout, changed: { dir: string; changedBytes: number }): { first: ChildResult; again: ChildResult } {
  const store = mkdtempSync(path.join(os.tmpdir(), 'image-budget-bench-kept-'))
  try {
    const first = child('measure', layout.dir, store)
    const again = child('measure', changed.dir, store)
    return { first, again }
  } finally {
    rmSync(store, { recursive: true, force: true })
  }
}

const rows: string[][] = [['figure', 'value', 'goal']]
const add = (figure: string, value: string, goal = ''): void => {
  rows.push([figure, value, goal])
}

async function layoutFigures(): Promise<void> {
  let started = Date.now()
  const big = await generateLayout(path.join(root, 'large'), { platforms: ['amd64', 'arm64'], layersPerPlatform: 4, totalContent: 1.1 * GiB })
  console.log(`large image: 2 platforms, ${describe(big, (Date.now() - started) / 1000)}`)
  // Alternate so that neither gets a warmer page cache; keep each one's best run.
  const gunzip = best('gunzip', big.dir)
  const analysis = best('measure', big.dir)
  if (analysis.result !== big.contentBytes) {
    throw new Error(`the analysis counted ${analysis.result} bytes of files, the generator wrote ${big.contentBytes}`)
  }
  const rate = (result: ChildResult, layout: GeneratedLayout): number => layout.tarBytes / MB / result.seconds
  add('plain gunzip (node:zlib), large image', `${rate(gunzip, big).toFixed(0)} MB/s, ${(gunzip.maxRssBytes / MB).toFixed(0)} MB RSS`)
  add('full analysis, large image', `${rate(analysis, big).toFixed(0)} MB/s, ${(analysis.maxRssBytes / MB).toFixed(0)} MB RSS`)
  add('analysis / gunzip throughput', `${((rate(analysis, big) / rate(gunzip, big)) * 100).toFixed(1)}%`, '>= 80%')
  add('analysis peak RSS, large image', `${(analysis.maxRssBytes / MB).toFixed(0)} MB`, '< 256 MB')
  const bigRebuild = reanalysis(big, await rebuildLayout(big.dir, path.join(root, 'large-rebuilt')))
  add('re-analysis after a small layer changed, large image', `${bigRebuild.again.seconds.toFixed(2)} s (read ${bigRebuild.again.layersRead} of ${big.layers} layers)`, '< 1 s + that layer')

  started = Date.now()
  const many = await generateLayout(path.join(root, 'many-files'), { platforms: ['amd64'], layersPerPlatform: 4, fileCount: millionFiles })
  console.log(`many-file image: 1 platform, ${describe(many, (Date.now() - started) / 1000)}`)
  const manyRun = child('measure', many.dir)
  add(`full analysis, ${many.files.toLocaleString('en')} files`, `${manyRun.seconds.toFixed(2)} s, ${rate(manyRun, many).toFixed(0)} MB/s of tar`)
  add(`analysis peak RSS, ${many.files.toLocaleString('en')} files`, `${(manyRun.maxRssBytes / MB).toFixed(0)} MB`, '< 256 MB')
  const manyRebuild = reanalysis(many, await rebuildLayout(many.dir, path.join(root, 'many-files-rebuilt')))
  add(
    `re-analysis after a small layer changed, ${many.files.toLocaleString('en')} files`,
    `${manyRebuild.again.seconds.toFixed(2)} s (read ${manyRebuild.again.layersRead} of ${many.layers} layers), ${(manyRebuild.again.maxRssBytes / MB).toFixed(0)} MB RSS`,
    '< 1 s + that layer'
  )
  const widths = rows[0].map((_, column) => Math.max(...rows.map(row => row[column].length)))
  console.log()
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd())
  console.log(`\nthroughput is the best of ${runs} runs; every figure comes from its own process`)
}

function engineFigures(): void {
  const outcome = engineScenarios(root, runs, warmRuns)
  if (typeof outcome === 'string') {
    console.log(`\nengine scenarios skipped: ${outcome}`)
    return
  }
  const table = [['scenario', 'image-budget', 'plain', 'ratio', 'goal', 'peak RSS']]
  for (const row of outcome.rows) {
    table.push([
      row.scenario,
      `${row.measured.seconds.toFixed(1)} s`,
      `${row.plain.seconds.toFixed(1)} s (${row.plainName})`,
      `${row.ratio.toFixed(2)}x`,
      row.goal,
      `${(row.measured.maxRssBytes / MB).toFixed(0)} MB`
    ])
  }
  const widths = table[0].map((_, column) => Math.max(...table.map(row => row[column].length)))
  console.log()
  for (const row of table) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd())
  console.log(
    `\nmedians of ${runs} runs (cold) and ${warmRuns} (the rest), image-budget and plain in turn, the ratio the median of each pair's; peak RSS is the largest process each run waited for (image-budget's own node process unless buildx's client is larger); ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`
  )
}

if (only !== 'engine') await layoutFigures()
if (only !== 'layout') engineFigures()
