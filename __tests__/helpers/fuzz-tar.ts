// A fuzzer of the layer tar reader, shared by the test (a short run) and `npm run fuzz` (a long one).
// It mutates real layer tars made by GNU tar (files, links, long names, PAX and GNU formats, sparse
// files), plain and compressed, and asserts that every case either parses into safe numbers or is
// refused with a typed error, in bounded time and memory. Each case draws from its own PRNG, seeded
// from the run's seed and the case number, so one failing case can be replayed alone.
import { execFileSync } from 'node:child_process'
import { closeSync, ftruncateSync, linkSync, mkdirSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { gzipSync } from 'node:zlib'
import { decompressor, LayerDecompressError } from '../../src/image/decompress.js'
import { entryKind, OverlayFilesystem } from '../../src/image/filesystem.js'
import { MAX_PATH_BYTES, TarFormatError, TarScanner, type TarEntry } from '../../src/image/tar.js'
import { paxData, sealHeader, tarMember, handHeader } from './tar.js'
import { removeTempDir, tempDir } from './temp.js'

export interface FuzzOptions {
  cases: number
  seed: number
  /** Replays this one case only. */
  only?: number
  /** Heap the run must stay under. */
  maxHeapBytes?: number
  /** Longest a case may take before it counts as a hang. */
  maxCaseMs?: number
  log?: (line: string) => void
}

export interface FuzzReport {
  cases: number
  parsed: number
  refused: number
  seconds: number
  maxHeapBytes: number
  slowestCaseMs: number
}

export class FuzzFailure extends Error {}

/** mulberry32: small, fast and good enough to spread mutations (or random cases). */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const caseSeed = (seed: number, index: number): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0

export interface Corpus {
  tars: Buffer[]
  /** Offsets of the header blocks of each tar (where a checksum holds). */
  headers: number[][]
  zstd: Buffer[]
}

/** Real layer tars written by GNU tar, in each format image builders produce, plus a few by hand. */
export function buildCorpus(): Corpus {
  const root = tempDir('image-budget-fuzz-')
  try {
    const tree = path.join(root, 'tree')
    const files: Array<[string, number]> = [
      ['app/main.js', 1234],
      ['app/empty.txt', 0],
      ['app/block.bin', 512],
      ['app/odd.bin', 513],
      [`deep/${'d'.repeat(110)}/${'e'.repeat(90)}/long-${'x'.repeat(40)}.txt`, 77],
      ['etc/ünïcode-名前.conf', 33],
      ['etc/.wh.removed', 0],
      ['srv/.wh..wh..opq', 0]
    ]
    for (const [name, bytes] of files) {
      mkdirSync(path.dirname(path.join(tree, name)), { recursive: true })
      writeFileSync(path.join(tree, name), Buffer.alloc(bytes, 0x61))
    }
    mkdirSync(path.join(tree, 'var/empty'), { recursive: true })
    symlinkSync('main.js', path.join(tree, 'app/link.js'))
    symlinkSync(`../${'t'.repeat(150)}`, path.join(tree, 'app/long-link'))
    linkSync(path.join(tree, 'app/main.js'), path.join(tree, 'app/hard.js'))
    const sparse = openSync(path.join(tree, 'sparse.img'), 'w')
    for (const offset of [0, 300_000, 700_000]) writeSync(sparse, Buffer.alloc(100, 0x73), 0, 100, offset)
    ftruncateSync(sparse, 1 << 20)
    closeSync(sparse)
    const common = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', tree, '-cf', '-', '.']
    const formats = [
      ['--format=pax'],
      ['--format=gnu'],
      ['--format=gnu', '--sparse'],
      ['--format=pax', '--sparse', '--sparse-version=0.0'],
      ['--format=pax', '--sparse', '--sparse-version=0.1'],
      ['--format=pax', '--sparse', '--sparse-version=1.0']
    ]
    const tars = formats.map(format => execFileSync('tar', [...format, ...common], { maxBuffer: 1 << 26 }))
    const base256 = handHeader('huge.bin', 700, { base256: true })
    tars.push(Buffer.concat([tarMember(base256, Buffer.alloc(700, 1)), tarMember(handHeader('x', 3), Buffer.from('abc')), Buffer.alloc(1024)]))
    const zstd = tars.slice(0, 2).map(tar => execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1 << 26 }))
    return { tars, headers: tars.map(headerOffsets), zstd }
  } finally {
    removeTempDir(root)
  }
}

function headerOffsets(tar: Buffer): number[] {
  const offsets: number[] = []
  for (let offset = 0; offset + 512 <= tar.length; offset += 512) {
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : tar[offset + i]
    if (sum !== 256 && sum === parseInt(tar.toString('latin1', offset + 148, offset + 155), 8)) offsets.push(offset)
  }
  return offsets
}

const FIELDS: Array<[offset: number, length: number]> = [
  [100, 8], // mode
  [108, 8], // uid
  [116, 8], // gid
  [124, 12], // size
  [136, 12], // mtime
  [148, 8], // checksum
  [329, 8], // devmajor
  [337, 8], // devminor
  [386, 12], // first sparse offset (GNU)
  [398, 12], // first sparse length (GNU)
  [483, 12] // real size (GNU sparse)
]

const TYPEFLAGS = ['0', '\0', '1', '2', '3', '5', '7', 'x', 'g', 'L', 'K', 'S', 'D', 'M', 'V', 'Z', '\xff']

const PAX_KEYS = ['size', 'path', 'linkpath', 'mtime', 'uid', 'GNU.sparse.size', 'GNU.sparse.realsize', 'GNU.sparse.major', 'GNU.sparse.minor', 'GNU.sparse.map', 'GNU.sparse.numblocks', 'GNU.sparse.name', 'GNU.sparse.offset', 'GNU.sparse.numbytes']

function extremeText(random: () => number): string {
  const choices = ['-1', '-100000000', 'abc', '', ' ', '0x10', '1e3', '+7', '9007199254740991', '9007199254740992', '99999999999999999999', '0', '1', '512', '1073741824', '0,512,4096,512', '1,2,3', '.', '/', '../..', 'a'.repeat(300), '1.5', '-0']
  if (random() < 0.7) return choices[Math.floor(random() * choices.length)]
  return String(Math.floor(random() * 2 ** (random() * 60)))
}

function extremeField(random: () => number, length: number): Buffer {
  const field = Buffer.alloc(length)
  const kind = Math.floor(random() * 7)
  if (kind === 0) field.fill(0xff) // base-256 -1
  else if (kind === 1) {
    field[0] = 0x80
    for (let i = 1; i < length; i++) field[i] = Math.floor(random() * 256)
  } else if (kind === 2) field.write('7'.repeat(length), 'latin1')
  else if (kind === 3) field.fill(0x20)
  else if (kind === 4) for (let i = 0; i < length; i++) field[i] = Math.floor(random() * 256)
  else if (kind === 5) field.write(Math.floor(random() * 2 ** 33).toString(8).padStart(length - 1, '0'), 'latin1')
  else field.write(extremeText(random).slice(0, length), 'latin1')
  return field
}

/** One mutation of a tar; several are stacked per case. */
function mutate(data: Buffer, headers: number[], random: () => number): Buffer {
  const pick = (n: number): number => Math.floor(random() * n)
  const header = (): number => (headers.length > 0 && random() < 0.9 ? headers[pick(headers.length)] : pick(Math.max(1, data.length >> 9)) * 512)
  switch (pick(9)) {
    case 0: {
      const out = Buffer.from(data)
      for (let flips = 1 + pick(8); flips > 0; flips--) out[pick(out.length)] ^= 1 << pick(8)
      return out
    }
    case 1: {
      const out = Buffer.from(data)
      const at = pick(out.length)
      for (let i = at; i < Math.min(out.length, at + 1 + pick(16)); i++) out[i] = pick(256)
      return out
    }
    case 2: {
      const at = pick(data.length + 1)
      const inserted = Buffer.alloc(1 + pick(random() < 0.5 ? 16 : 1100), pick(256))
      return Buffer.concat([data.subarray(0, at), inserted, data.subarray(at)])
    }
    case 3: {
      const at = pick(data.length)
      return Buffer.concat([data.subarray(0, at), data.subarray(Math.min(data.length, at + 1 + pick(random() < 0.5 ? 16 : 2000)))])
    }
    case 4: {
      // A numeric field overwritten with an extreme value, the checksum mostly made right again.
      const out = Buffer.from(data)
      const at = header()
      if (at + 512 > out.length) return out
      const [offset, length] = FIELDS[pick(FIELDS.length)]
      extremeField(random, length).copy(out, at + offset)
      if (random() < 0.9 && offset !== 148) sealHeader(out.subarray(at, at + 512))
      return out
    }
    case 5: {
      const out = Buffer.from(data)
      const at = header()
      if (at + 512 > out.length) return out
      out.write(TYPEFLAGS[pick(TYPEFLAGS.length)], at + 156, 'latin1')
      if (random() < 0.5) out[at + 482] = pick(2) // the GNU sparse extension flag
      sealHeader(out.subarray(at, at + 512))
      return out
    }
    case 6: {
      // A well-framed PAX header of hostile records before some entry.
      const records: Array<[string, string]> = []
      for (let n = 1 + pick(4); n > 0; n--) records.push([PAX_KEYS[pick(PAX_KEYS.length)], extremeText(random)])
      const body = paxData(records)
      const member = tarMember(handHeader('PaxHeaders/fuzz', body.length, { typeflag: random() < 0.9 ? 'x' : 'g' }), body)
      const at = header()
      return Buffer.concat([data.subarray(0, at), member, data.subarray(at)])
    }
    case 7:
      return data.subarray(0, pick(data.length))
    default: {
      const out = Buffer.from(data)
      const from = header()
      const to = header()
      if (from + 512 <= out.length && to + 512 <= out.length) out.copy(out, to, from, from + 512)
      return out
    }
  }
}

type Outcome = { entries: TarEntry[] } | { error: string }

function scanOnce(data: Buffer, chunkSize: number): Outcome {
  const entries: TarEntry[] = []
  const scanner = new TarScanner(entry => {
    entries.push(entry)
    return entry.path.endsWith('.conf')
  }, () => {})
  try {
    for (let offset = 0; offset < data.length; offset += chunkSize) scanner.write(data.subarray(offset, offset + chunkSize))
    scanner.end()
    return { entries }
  } catch (error) {
    if (error instanceof TarFormatError) return { error: error.message }
    throw error
  }
}

function checkEntries(entries: TarEntry[]): string | undefined {
  const filesystem = new OverlayFilesystem()
  for (const entry of entries) {
    if (!Number.isSafeInteger(entry.size) || entry.size < 0) return `entry ${JSON.stringify(entry.path)} has size ${entry.size}`
    if (!Number.isSafeInteger(entry.mode) || entry.mode < 0) return `entry ${JSON.stringify(entry.path)} has mode ${entry.mode}`
    if (entry.path.length > MAX_PATH_BYTES || entry.linkName.length > MAX_PATH_BYTES) return `entry ${JSON.stringify(entry.path.slice(0, 80))} has a path over the limit`
    if (entry.type !== 'file' && entry.size !== 0) return `entry ${JSON.stringify(entry.path)} of type ${entry.type} has size ${entry.size}`
    filesystem.apply(entry.path, entryKind(entry.type, entry.path), entry.size, 0, entry.linkName)
  }
  const { visibleBytes } = filesystem.largest()
  if (!Number.isFinite(visibleBytes) || visibleBytes < 0) return `the filesystem adds up to ${visibleBytes} bytes`
  return undefined
}

/** Decompresses a (possibly broken) blob through the real decompressor, then scans the tar. */
async function scanCompressed(blob: Buffer, compression: 'gzip' | 'zstd'): Promise<Outcome> {
  const chunks: Buffer[] = []
  try {
    await pipeline(Readable.from([blob]), decompressor(compression)!, async (tar: AsyncIterable<Buffer>) => {
      for await (const chunk of tar) chunks.push(chunk)
    })
  } catch (error) {
    if (error instanceof LayerDecompressError) return { error: error.message }
    throw error
  }
  const data = Buffer.concat(chunks)
  return scanOnce(data, data.length)
}

export async function runFuzz(corpus: Corpus, options: FuzzOptions): Promise<FuzzReport> {
  const maxHeapBytes = options.maxHeapBytes ?? 256 * 2 ** 20
  // What the fuzzer itself holds: in a test process the heap also carries what earlier test files left.
  const heapAtStart = process.memoryUsage().heapUsed
  const maxCaseMs = options.maxCaseMs ?? 2000
  const started = performance.now()
  const report: FuzzReport = { cases: 0, parsed: 0, refused: 0, seconds: 0, maxHeapBytes: 0, slowestCaseMs: 0 }
  const first = options.only ?? 0
  const last = options.only !== undefined ? options.only + 1 : options.cases
  for (let index = first; index < last; index++) {
    const random = prng(caseSeed(options.seed, index))
    const fail = (problem: string): never => {
      throw new FuzzFailure(`fuzz case ${index} of seed ${options.seed} (replay: FUZZ_SEED=${options.seed} FUZZ_ONLY=${index}): ${problem}`)
    }
    const base = Math.floor(random() * corpus.tars.length)
    let data = corpus.tars[base]
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) data = mutate(data, corpus.headers[base], random)
    const caseStart = performance.now()
    let outcome: Outcome
    try {
      const roll = random()
      if (roll < 0.02) {
        // Compressed: a gzip of the mutated tar, sometimes itself damaged.
        const blob = gzipSync(data, { level: 1 })
        outcome = await scanCompressed(random() < 0.5 ? mutate(blob, [], random) : blob, 'gzip')
      } else if (roll < 0.03) {
        const zstd = corpus.zstd[Math.floor(random() * corpus.zstd.length)]
        outcome = await scanCompressed(mutate(zstd, [], random), 'zstd')
      } else {
        outcome = scanOnce(data, data.length)
        // However the stream is cut, the outcome is the same.
        // Cuts of a few bytes cost a call each: a small share of the cases get them.
        const cut = scanOnce(data, random() < 0.03 ? 1 + Math.floor(random() * 16) : 17 + Math.floor(random() * 8192))
        if (JSON.stringify(cut) !== JSON.stringify(outcome)) fail(`cutting the stream changed the outcome: ${JSON.stringify(outcome).slice(0, 300)} / ${JSON.stringify(cut).slice(0, 300)}`)
      }
    } catch (error) {
      if (error instanceof FuzzFailure) throw error
      return fail(`untyped ${(error as Error).constructor.name}: ${(error as Error).stack}`)
    }
    const caseMs = performance.now() - caseStart
    if (caseMs > report.slowestCaseMs) report.slowestCaseMs = caseMs
    if (caseMs > maxCaseMs) fail(`took ${caseMs.toFixed(0)} ms`)
    if ('entries' in outcome) {
      const problem = checkEntries(outcome.entries)
      if (problem !== undefined) fail(problem)
      report.parsed++
    } else {
      if (/undefined|Maximum call stack|Invalid (string|typed array) length|(?<!")NaN(?!")/.test(outcome.error)) fail(`an internal error text: ${outcome.error}`)
      report.refused++
    }
    report.cases++
    if (index % 1000 === 0) {
      const heap = process.memoryUsage().heapUsed - heapAtStart
      if (heap > report.maxHeapBytes) report.maxHeapBytes = heap
      if (heap > maxHeapBytes) fail(`heap grew by ${(heap / 2 ** 20).toFixed(0)} MiB`)
      if (index % 100_000 === 0 && index > 0) options.log?.(`${index} cases, ${((performance.now() - started) / 1000).toFixed(1)} s`)
    }
  }
  report.seconds = (performance.now() - started) / 1000
  return report
}
