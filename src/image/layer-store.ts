// What a layer holds, kept by digest: layers are content-addressed and immutable, so what was read
// once never needs reading again, in this run (a layer several platforms share) or a later one
// (with the folder kept by the Actions cache or on a developer's disk).
//
// Each layer is two files: `<hex>.json` (totals and findings) and `<hex>.entries`, one line per tar
// entry: `kind \t size \t path \t link`, with backslash, tab and newline escaped in names.
//
// Several runs may share the folder (parallel jobs of the CLI on one machine): each writes under a
// name of its own, then renames into place, entries first and the summary last. The summary names
// the entries' line count and byte length, and a reader holds the entries file open from the
// moment it checked that length, so it sees a complete layer or none.

import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises'
import * as path from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { SecretFinding } from '../analysis/secret-files.js'
import type { Compression } from './decompress.js'
import type { EntryKind } from './filesystem.js'
import { checkLayerPackages, type LayerPackages } from './packages.js'
import { checkDigest } from './types.js'
import { writeUtf8 } from './utf8.js'

/** Bump when the files' meaning changes: older folders are then ignored. */
export const LAYER_STORE_VERSION = 3

export interface LayerSummary {
  version: number
  /** Bytes of regular files. */
  size: number
  files: number
  entries: number
  /** The byte length of the entries file, checked before it is replayed. */
  entriesBytes: number
  secrets: SecretFinding[]
  /** What the layer's package databases say (see packages.ts); absent when it held none. */
  packages?: LayerPackages
  /**
   * The compression the blob decoded as, and its length: a manifest that names the same digest
   * with another compression or size lies about bytes that are not read again.
   */
  compression: Compression
  blobBytes: number
}

const COMPRESSIONS: readonly Compression[] = ['gzip', 'zstd', 'none']
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
const isFinding = (value: unknown): value is SecretFinding =>
  typeof value === 'object' && value !== null && typeof (value as SecretFinding).path === 'string' && typeof (value as SecretFinding).what === 'string'

/** A summary from the folder, or undefined for one of another version, torn or altered. */
function parseSummary(text: string): LayerSummary | undefined {
  let value: Partial<LayerSummary>
  try {
    value = JSON.parse(text) as Partial<LayerSummary>
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || value.version !== LAYER_STORE_VERSION) return undefined
  if (![value.size, value.files, value.entries, value.entriesBytes, value.blobBytes].every(isCount)) return undefined
  if (!COMPRESSIONS.includes(value.compression as Compression)) return undefined
  if (!Array.isArray(value.secrets) || !value.secrets.every(isFinding)) return undefined
  const packages = checkLayerPackages(value.packages)
  if (packages === 'damaged') return undefined
  return { ...(value as LayerSummary), ...(packages ? { packages } : {}) }
}

/**
 * The store could not be written (a full disk, say): every layer read is replayed from the store,
 * so the measurement cannot go on, and the error says where, not that the image is at fault.
 */
export class LayerStoreError extends Error {
  constructor(file: string, cause: unknown) {
    super(`the layer index could not be written to ${path.dirname(file)}: ${(cause as Error).message ?? String(cause)}`, { cause })
    this.name = 'LayerStoreError'
  }
}

/** Opens a file of entries for writing; a test passes its own (one that fails, say). */
export type OpenEntriesFile = (file: string) => Writable
const openEntriesFile: OpenEntriesFile = file => createWriteStream(file, { highWaterMark: 1 << 20 })

/** A name no other writer uses: this process, and random bytes for writers within it. */
const privateName = (file: string): string => `${file}.${process.pid}-${randomBytes(6).toString('hex')}.partial`
const PARTIAL = /\.partial$/
/** A partial file this old was left by a run that died: nobody will rename it. */
const ABANDONED_MS = 60 * 60 * 1000
const ENTRY_KINDS = 7
const TAB = 0x09
const NEWLINE = 0x0a

export type EntryVisitor = (path: string, kind: EntryKind, size: number, linkName: string) => void

const escapeName = (name: string): string =>
  /[\\\t\n]/.test(name) ? name.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : name
const unescapeName = (name: string): string =>
  name.includes('\\') ? name.replace(/\\(\\|t|n)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : '\\')) : name

/** Entries are written in pieces of this many bytes. */
const ENTRIES_CHUNK_BYTES = 1 << 18

/**
 * Writes a layer's entries file as the layer is read. Lines go straight into a buffer of bytes:
 * a line kept as a string until its piece is written outlives the young generation's collections,
 * and a million of them grew V8's young generation to its limit and filled the old one.
 */
export class LayerEntryWriter {
  private readonly stream: Writable
  private readonly partial: string
  private chunk = Buffer.allocUnsafe(ENTRIES_CHUNK_BYTES)
  private chunkUsed = 0
  /** The first error of the file's stream: kept for close(), never left unhandled (it would end the process). */
  private failure: unknown
  entries = 0
  bytes = 0

  constructor(
    private readonly file: string,
    openFile: OpenEntriesFile = openEntriesFile
  ) {
    this.partial = privateName(file)
    this.stream = openFile(this.partial)
    this.stream.on('error', error => (this.failure ??= error))
  }

  add(path: string, kind: EntryKind, size: number, linkName: string): void {
    const name = escapeName(path)
    const link = linkName === '' ? '' : escapeName(linkName)
    // The kind's digit, the size's at most 22 characters, three tabs, a newline; 3 bytes a unit of the names.
    const most = 27 + 3 * (name.length + link.length)
    if (this.chunkUsed + most > this.chunk.length) this.flush(most)
    const chunk = this.chunk
    let at = this.chunkUsed
    chunk[at++] = 0x30 + kind
    chunk[at++] = TAB
    at += chunk.write(String(size), at, 'latin1')
    chunk[at++] = TAB
    at = writeUtf8(chunk, at, name)
    chunk[at++] = TAB
    at = writeUtf8(chunk, at, link)
    chunk[at++] = NEWLINE
    this.chunkUsed = at
    this.entries++
  }

  /** Hands the piece written so far to the file, and starts one with room for at least `room` bytes. */
  private flush(room = 0): void {
    if (this.chunkUsed > 0 && this.failure === undefined) {
      this.bytes += this.chunkUsed
      this.stream.write(this.chunk.subarray(0, this.chunkUsed))
      this.chunk = Buffer.allocUnsafe(Math.max(ENTRIES_CHUNK_BYTES, room))
    } else if (room > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(room)
    }
    this.chunkUsed = 0
  }

  async close(): Promise<void> {
    this.flush()
    if (this.failure === undefined) {
      this.stream.end()
      await once(this.stream, 'finish').catch((error: unknown) => (this.failure ??= error))
    }
    if (this.failure !== undefined) throw new LayerStoreError(this.file, this.failure)
  }

  /** Puts the entries in place, then the summary: a summary is only ever seen beside its entries. */
  async commit(summaryFile: string, summary: Omit<LayerSummary, 'entriesBytes'>): Promise<void> {
    await this.close()
    await rename(this.partial, this.file).catch((error: unknown) => {
      throw new LayerStoreError(this.file, error)
    })
    const partialSummary = privateName(summaryFile)
    try {
      await writeFile(partialSummary, JSON.stringify({ ...summary, entriesBytes: this.bytes }))
      await rename(partialSummary, summaryFile)
    } catch (error) {
      await rm(partialSummary, { force: true })
      throw new LayerStoreError(summaryFile, error)
    }
  }

  async discard(): Promise<void> {
    // A stream still opening its file creates it after a destroy: the file goes once the stream has closed.
    const closed = this.stream.closed ? undefined : once(this.stream, 'close').catch(() => undefined)
    this.stream.destroy()
    await closed
    await rm(this.partial, { force: true })
  }
}

export class LayerStore {
  /** Digests read or written in this run: what is worth keeping for the next one. */
  readonly used = new Set<string>()
  /** Layers read from their blobs in this run (not found in the folder). */
  written = 0

  constructor(
    readonly dir: string,
    private readonly openFile: OpenEntriesFile = openEntriesFile
  ) {}

  private files(digest: string): { entries: string; summary: string } {
    const hex = checkDigest(digest).replace(':', '-')
    return { entries: path.join(this.dir, `${hex}.entries`), summary: path.join(this.dir, `${hex}.json`) }
  }

  /**
   * The stored layer of this digest, or undefined when the folder has no complete one. Its
   * entries file is held open: a later rename or prune by another run does not change what is read.
   */
  async stored(digest: string): Promise<StoredLayer | undefined> {
    const files = this.files(digest)
    const summary = parseSummary(await readFile(files.summary, 'utf8').catch(() => ''))
    if (summary === undefined) return undefined
    const handle = await open(files.entries, 'r').catch(() => undefined)
    if (handle === undefined) return undefined
    if ((await handle.stat()).size !== summary.entriesBytes) {
      await handle.close()
      return undefined
    }
    this.used.add(digest)
    return new StoredLayer(digest, summary, handle)
  }

  async writer(digest: string): Promise<{ writer: LayerEntryWriter; commit: (summary: Omit<LayerSummary, 'version' | 'entries' | 'entriesBytes'>) => Promise<void> }> {
    const files = this.files(digest)
    await mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      throw new LayerStoreError(files.entries, error)
    })
    const writer = new LayerEntryWriter(files.entries, this.openFile)
    return {
      writer,
      commit: async summary => {
        await writer.commit(files.summary, { version: LAYER_STORE_VERSION, entries: writer.entries, ...summary })
        this.used.add(digest)
        this.written++
      }
    }
  }

  /** Removes what this run did not use, so that a kept folder does not grow without end. */
  async prune(): Promise<number> {
    let removed = 0
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const file = path.join(this.dir, name)
      // Another run may be writing its own: only the leftovers of a run that died go.
      if (PARTIAL.test(name)) {
        const modified = (await stat(file).catch(() => undefined))?.mtimeMs
        if (modified === undefined || Date.now() - modified < ABANDONED_MS) continue
      } else if (this.used.has(name.replace(/\.(entries|json)$/, '').replace('-', ':'))) {
        continue
      }
      await rm(file, { force: true })
      removed++
    }
    return removed
  }
}

/** A complete stored layer: its summary, and its entries file held open until replayed. */
export class StoredLayer {
  constructor(
    readonly digest: string,
    readonly summary: LayerSummary,
    private readonly handle: FileHandle
  ) {}

  /**
   * Replays the entries in their tar order, then closes the file. Lines are cut out of the
   * stream's chunks directly: this is what a re-analysis spends its time on, and readline costs
   * twice as much. A line that is not one this store writes, or a count that differs from the
   * summary's, is an error rather than a different filesystem.
   */
  async replay(visit: EntryVisitor): Promise<void> {
    const decoder = new StringDecoder('utf8')
    let rest = ''
    let lines = 0
    const damaged = (why: string): Error => new Error(`the stored entries of layer ${this.digest} are damaged (${why}): remove the layer folder to read it again`)
    const replayLines = (text: string): string => {
      let start = 0
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        const first = text.indexOf('\t', start)
        const second = text.indexOf('\t', first + 1)
        const third = text.indexOf('\t', second + 1)
        const kind = Number(text.slice(start, first))
        const size = Number(text.slice(first + 1, second))
        if (first < 0 || second < 0 || third < 0 || third > end || !(kind >= 0 && kind < ENTRY_KINDS && Number.isInteger(kind)) || !isCount(size)) {
          throw damaged(`line ${lines + 1}`)
        }
        visit(unescapeName(text.slice(second + 1, third)), kind as EntryKind, size, unescapeName(text.slice(third + 1, end)))
        lines++
        start = end + 1
      }
      return text.slice(start)
    }
    try {
      for await (const chunk of this.handle.createReadStream({ start: 0, highWaterMark: 1 << 20, autoClose: false })) {
        rest = replayLines(rest + decoder.write(chunk as Buffer))
      }
    } finally {
      await this.handle.close()
    }
    // Files are renamed into place only once complete, ending with a newline: anything left is damage.
    if (rest + decoder.end() !== '') throw damaged('cut short')
    if (lines !== this.summary.entries) throw damaged(`${lines} entries, the summary says ${this.summary.entries}`)
  }

  /** Closes the entries file without replaying it. */
  async close(): Promise<void> {
    await this.handle.close()
  }
}
