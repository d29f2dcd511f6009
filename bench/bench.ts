// npm run bench: the measuring step against a plain streaming gunzip of the same layer blobs, on an
// image of over 1 GiB of layer content across two platforms. Prints throughput and peak RSS.
import { execFileSync } from 'node:child_process'
import * as os from 'node:os'
import * as path from 'node:path'
import { generateLayout } from './generate.js'

const GiB = 2 ** 30
const MB = 1e6
const total = Number(process.env.BENCH_BYTES ?? 1.1 * GiB)
const dir = process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'image-budget-bench')
const runs = Number(process.env.BENCH_RUNS ?? 3)

interface ChildResult {
  mode: string
  seconds: number
  result: number
  maxRssBytes: number
}

function child(mode: 'measure' | 'gunzip'): ChildResult {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'child.js')
  return JSON.parse(execFileSync(process.execPath, [script, mode, dir], { encoding: 'utf8' })) as ChildResult
}

const started = Date.now()
const layout = await generateLayout(dir, total, 4)
console.log(
  `layout: ${dir}: 2 platforms, ${layout.layers} layers, ${layout.files} files, ${(layout.contentBytes / GiB).toFixed(2)} GiB of file content ` +
    `(${(layout.tarBytes / GiB).toFixed(2)} GiB of tar), ready in ${((Date.now() - started) / 1000).toFixed(1)} s`
)

// Alternate the two so that neither gets a warmer page cache; keep each one's best run.
const best: Record<string, ChildResult> = {}
for (let run = 0; run < runs; run++) {
  for (const mode of ['gunzip', 'measure'] as const) {
    const result = child(mode)
    if (!best[mode] || result.seconds < best[mode].seconds) best[mode] = result
  }
}
const measure = best.measure
const gunzip = best.gunzip
if (measure.result !== layout.contentBytes) {
  throw new Error(`the measuring step counted ${measure.result} bytes of files, the generator wrote ${layout.contentBytes}`)
}
const rate = (result: ChildResult): number => layout.tarBytes / MB / result.seconds
const rows = [
  ['step', 'seconds', 'MB/s (uncompressed layer content)', 'peak RSS (MB)'],
  ['measure (image-budget)', measure.seconds.toFixed(2), rate(measure).toFixed(0), (measure.maxRssBytes / MB).toFixed(0)],
  ['gunzip (node:zlib)', gunzip.seconds.toFixed(2), rate(gunzip).toFixed(0), (gunzip.maxRssBytes / MB).toFixed(0)]
]
const widths = rows[0].map((_, column) => Math.max(...rows.map(row => row[column].length)))
for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  '))
const ratio = rate(measure) / rate(gunzip)
console.log(`measuring throughput is ${(ratio * 100).toFixed(1)}% of plain gunzip (goal: at least 80%), best of ${runs} runs each`)
console.log(`measuring peak RSS is ${(measure.maxRssBytes / MB).toFixed(0)} MB (goal: under 256 MB)`)
