// The entries file of a stored layer, written as bytes while the layer is read: every name comes
// back from a replay as it went in, and the file holds the lines of the store's format exactly.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { EntryKind } from '../src/image/filesystem.js'
import { LayerStore } from '../src/image/layer-store.js'
import { tempDir } from './helpers/temp.js'

interface Entry {
  path: string
  kind: EntryKind
  size: number
  linkName: string
}

const DIGEST = `sha256:${'ab'.repeat(32)}`
/** The store's line format, written the plain way: a kind, a size, the name and the link, names escaped. */
const escaped = (name: string): string => name.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n')
const lineOf = (entry: Entry): string => `${entry.kind}\t${entry.size}\t${escaped(entry.path)}\t${escaped(entry.linkName)}\n`

const awkward: Entry[] = [
  { path: 'usr/bin/app', kind: EntryKind.File, size: 0, linkName: '' },
  { path: 'etc/caf\u00e9/r\u00e9sum\u00e9.txt', kind: EntryKind.File, size: 12, linkName: '' },
  { path: '\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb', kind: EntryKind.Directory, size: 0, linkName: '' },
  { path: 'emoji/\u{1f4e6}\u{1f433}.bin', kind: EntryKind.File, size: 2 ** 53 - 1, linkName: '' },
  { path: `${'a'.repeat(70)}/\u00fc${'b'.repeat(70)}`, kind: EntryKind.File, size: 1, linkName: '' },
  { path: `ascii-then-wide-${'x'.repeat(40)}\u2603`, kind: EntryKind.Symlink, size: 0, linkName: `../\u2603/${'y'.repeat(80)}\u00e9` },
  { path: 'tab\there/new\nline/back\\slash', kind: EntryKind.Hardlink, size: 0, linkName: 'tab\tlink\\\n' },
  { path: 'lone/\ufffd/replacement', kind: EntryKind.File, size: 3, linkName: '' },
  { path: 'var/lib/.wh..wh..opq', kind: EntryKind.Opaque, size: 0, linkName: '' },
  { path: 'var/cache/.wh.gone', kind: EntryKind.Whiteout, size: 0, linkName: '' },
  { path: 'dev/null', kind: EntryKind.Other, size: 0, linkName: '' },
  // Longer than a piece of the file on its own, in both halves.
  { path: `long/${'\u00e9'.repeat(200_000)}`, kind: EntryKind.Symlink, size: 0, linkName: 'z'.repeat(300_000) }
]

/** Enough entries to fill many pieces, the awkward ones among them at different places in a piece. */
function entries(): Entry[] {
  const list: Entry[] = []
  for (let index = 0; index < 30_000; index++) {
    list.push({ path: `srv/d${index % 97}/f${index}.js`, kind: EntryKind.File, size: index * 7919, linkName: '' })
    if (index % 2_500 === 0) list.push(...awkward)
  }
  return list
}

async function written(list: Entry[]): Promise<{ dir: string; store: LayerStore }> {
  const dir = tempDir('image-budget-entries-')
  const store = new LayerStore(dir)
  const { writer, commit } = await store.writer(DIGEST)
  for (const entry of list) writer.add(entry.path, entry.kind, entry.size, entry.linkName)
  await commit({ size: 0, files: list.length, secrets: [], compression: 'gzip', blobBytes: 1 })
  return { dir, store }
}

describe('the entries file of a stored layer', () => {
  it('holds exactly the lines of the format, in UTF-8, and replays every name as it was added', async () => {
    const list = entries()
    const { dir, store } = await written(list)
    const file = path.join(dir, `${DIGEST.replace(':', '-')}.entries`)
    const bytes = readFileSync(file)
    expect(bytes.equals(Buffer.from(list.map(lineOf).join(''), 'utf8'))).toBe(true)
    const summary = JSON.parse(readFileSync(path.join(dir, `${DIGEST.replace(':', '-')}.json`), 'utf8')) as { entries: number; entriesBytes: number }
    expect(summary).toMatchObject({ entries: list.length, entriesBytes: bytes.length })

    const stored = await store.stored(DIGEST)
    expect(stored).toBeDefined()
    const replayed: Entry[] = []
    await stored!.replay((entryPath, kind, size, linkName) => replayed.push({ path: entryPath, kind, size, linkName }))
    expect(replayed.length).toBe(list.length)
    expect(replayed).toEqual(list)
  })

  it('writes an empty file for a layer of no entries, and replays nothing', async () => {
    const { dir, store } = await written([])
    expect(readFileSync(path.join(dir, `${DIGEST.replace(':', '-')}.entries`)).length).toBe(0)
    const visited: string[] = []
    await (await store.stored(DIGEST))!.replay(entryPath => visited.push(entryPath))
    expect(visited).toEqual([])
  })
})
