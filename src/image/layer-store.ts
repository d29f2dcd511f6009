// What a layer holds, kept by digest: layers are content-addressed and immutable, so what was read
// once never needs reading again, in this run (a layer several platforms share) or a later one
// (with the folder kept by the Actions cache or on a developer's disk).
//
// Each layer is two files: `<hex>.json` (totals and findings) and `<hex>.entries`, one line per tar
// entry: `kind \t size \t path \t link`, with backslash, tab and newline escaped in names.

import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { once } from 'node:events'
import type { SecretFinding } from '../analysis/secret-files.js'
import type { EntryKind } from './filesystem.js'
import { checkDigest } from './types.js'

/** Bump when the files' meaning changes: older folders are then ignored. */
export const LAYER_STORE_VERSION = 1

export interface LayerSummary {
  version: number
  /** Bytes of regular files. */
  size: number
  files: number
  entries: number
  secrets: SecretFinding[]
}

export type EntryVisitor = (path: string, kind: EntryKind, size: number, linkName: string) => void

const escapeName = (name: string): string =>
  /[\\\t\n]/.test(name) ? name.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : name
const unescapeName = (name: string): string =>
  name.includes('\\') ? name.replace(/\\(\\|t|n)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : '\\')) : name

export class LayerEntryWriter {
  private readonly stream: WriteStream
  private buffered: string[] = []
  private bufferedLength = 0
  entries = 0

  constructor(private readonly file: string) {
    this.stream = createWriteStream(`${file}.partial`, { highWaterMark: 1 << 20 })
  }

  add(path: string, kind: EntryKind, size: number, linkName: string): void {
    const line = `${kind}\t${size}\t${escapeName(path)}\t${linkName === '' ? '' : escapeName(linkName)}\n`
    this.buffered.push(line)
    this.bufferedLength += line.length
    this.entries++
    if (this.bufferedLength > 1 << 18) this.flush()
  }

  private flush(): void {
    if (this.buffered.length === 0) return
    this.stream.write(this.buffered.join(''))
    this.buffered = []
    this.bufferedLength = 0
  }

  async close(): Promise<void> {
    this.flush()
    this.stream.end()
    await once(this.stream, 'finish')
  }

  async commit(summaryFile: string, summary: LayerSummary): Promise<void> {
    await this.close()
    await rename(`${this.file}.partial`, this.file)
    await writeFile(summaryFile, JSON.stringify(summary))
  }

  async discard(): Promise<void> {
    this.stream.destroy()
    await rm(`${this.file}.partial`, { force: true })
  }
}

export class LayerStore {
  /** Digests read or written in this run: what is worth keeping for the next one. */
  readonly used = new Set<string>()
  /** Layers read from their blobs in this run (not found in the folder). */
  written = 0

  constructor(readonly dir: string) {}

  private files(digest: string): { entries: string; summary: string } {
    const hex = checkDigest(digest).replace(':', '-')
    return { entries: path.join(this.dir, `${hex}.entries`), summary: path.join(this.dir, `${hex}.json`) }
  }

  async summary(digest: string): Promise<LayerSummary | undefined> {
    try {
      const summary = JSON.parse(await readFile(this.files(digest).summary, 'utf8')) as LayerSummary
      if (summary.version !== LAYER_STORE_VERSION) return undefined
      this.used.add(digest)
      return summary
    } catch {
      return undefined
    }
  }

  async writer(digest: string): Promise<{ writer: LayerEntryWriter; commit: (summary: Omit<LayerSummary, 'version' | 'entries'>) => Promise<void> }> {
    await mkdir(this.dir, { recursive: true })
    const files = this.files(digest)
    const writer = new LayerEntryWriter(files.entries)
    return {
      writer,
      commit: async summary => {
        await writer.commit(files.summary, { version: LAYER_STORE_VERSION, entries: writer.entries, ...summary })
        this.used.add(digest)
        this.written++
      }
    }
  }

  /**
   * Replays a stored layer's entries in their tar order. Lines are cut out of the stream's chunks
   * directly: this is what a re-analysis spends its time on, and readline costs twice as much.
   */
  async replay(digest: string, visit: EntryVisitor): Promise<void> {
    const decoder = new StringDecoder('utf8')
    let rest = ''
    const replayLines = (text: string): string => {
      let start = 0
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        const first = text.indexOf('\t', start)
        const second = text.indexOf('\t', first + 1)
        const third = text.indexOf('\t', second + 1)
        visit(
          unescapeName(text.slice(second + 1, third)),
          Number(text.slice(start, first)) as EntryKind,
          Number(text.slice(first + 1, second)),
          unescapeName(text.slice(third + 1, end))
        )
        start = end + 1
      }
      return text.slice(start)
    }
    for await (const chunk of createReadStream(this.files(digest).entries, { highWaterMark: 1 << 20 })) {
      rest = replayLines(rest + decoder.write(chunk as Buffer))
    }
    // Files are renamed into place only once complete, ending with a newline: anything left is damage.
    if (rest + decoder.end() !== '') throw new Error(`the stored entries of layer ${digest} are cut short`)
  }

  /** Removes what this run did not use, so that a kept folder does not grow without end. */
  async prune(): Promise<number> {
    let removed = 0
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const digest = name.replace(/\.(entries|json|entries\.partial)$/, '').replace('-', ':')
      if (!this.used.has(digest)) {
        await rm(path.join(this.dir, name), { force: true })
        removed++
      }
    }
    return removed
  }
}
