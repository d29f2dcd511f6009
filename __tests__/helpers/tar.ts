import { TarScanner, type TarEntry } from '../../src/image/tar.js'
import { execFileSync } from 'node:child_process'
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { sealHeader, ustarHeader } from '../../__fixtures__/tar-header.js'
import { tempDir } from './temp.js'
export { ustarHeader as handHeader, sealHeader }

export const LONG_DIR = `deep/${'d'.repeat(120)}/${'e'.repeat(80)}`

export interface TreeFile {
  path: string
  bytes: number
}

/**
 * Writes a small file tree with the cases a layer tar has: nested folders, a path over 100
 * characters, a symlink and a hard link (whose bytes a layer stores once).
 */
export function makeTree(root: string, files: TreeFile[]): void {
  for (const file of files) {
    const target = path.join(root, file.path)
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, Buffer.alloc(file.bytes, 0x61))
  }
}

export function sampleTree(): { root: string; files: TreeFile[]; regularBytes: number } {
  const root = tempDir('image-budget-tree-')
  const files = [
    { path: 'app/main.js', bytes: 12_345 },
    { path: 'app/empty.txt', bytes: 0 },
    { path: `${LONG_DIR}/long-name-${'x'.repeat(60)}.bin`, bytes: 70_000 },
    { path: 'usr/lib/libbig.so', bytes: 1_048_577 }
  ]
  makeTree(root, files)
  symlinkSync('main.js', path.join(root, 'app/link.js'))
  linkSync(path.join(root, 'app/main.js'), path.join(root, 'app/hard.js'))
  return { root, files, regularBytes: files.reduce((sum, file) => sum + file.bytes, 0) }
}

/** Makes a tar of a folder with GNU tar, in the given format. */
export function gnuTar(root: string, format: 'pax' | 'gnu' | 'ustar'): Buffer {
  // Fixed times and owners: the same tree always makes the same tar, so layers keep their digests.
  // PAX headers carry access and change times and, by default, the process ID in their names.
  const pax = format === 'pax' ? ['--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'] : []
  const args = ['--format', format, ...pax, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner']
  return execFileSync('tar', [...args, '-C', root, '-cf', '-', '.'], { maxBuffer: 1 << 28 })
}

export function zstdCompress(data: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 28 })
}

/** PAX extended header data: each record's length counts its own digits. */
export function paxData(records: Array<[string, string]>): Buffer {
  return Buffer.concat(
    records.map(([key, value]) => {
      const body = Buffer.byteLength(` ${key}=${value}\n`)
      let length = body + 1
      while (length !== body + String(length).length) length = body + String(length).length
      return Buffer.from(`${length} ${key}=${value}\n`)
    })
  )
}

/** A header and its data, padded to whole blocks. */
export function tarMember(header: Buffer, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)])
}

/** A PAX extended header (type x) carrying `records` for the entry after it. */
export function paxMember(records: Array<[string, string]>, name = 'PaxHeaders/entry'): Buffer {
  const data = paxData(records)
  return tarMember(ustarHeader(name, data.length, { typeflag: 'x' }), data)
}

/** The two zero blocks that end an archive. */
export const endOfArchive = (): Buffer => Buffer.alloc(1024)

/** Overwrites a field of a header block (text, or raw bytes) and seals the checksum again. */
export function setField(block: Buffer, offset: number, length: number, value: string | Buffer): Buffer {
  block.fill(0, offset, offset + length)
  if (typeof value === 'string') block.write(value, offset, length, 'latin1')
  else value.copy(block, offset, 0, length)
  return sealHeader(block)
}

/** A header in GNU tar's own format ("ustar  \0" magic), whose prefix area holds other fields. */
export function gnuHeader(name: string, size: number, typeflag = '0'): Buffer {
  const block = ustarHeader(name, size, { typeflag })
  block.write('ustar  \0', 257, 'latin1')
  return sealHeader(block)
}

const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`

/**
 * An old GNU sparse file (type S): `regions` of data at offsets of a file of `realSize` bytes; the
 * first four regions sit in the header, the rest in extension blocks of 21, as GNU tar writes them.
 */
export function gnuSparseMember(name: string, realSize: number, regions: Array<[number, number]>): Buffer {
  const stored = regions.reduce((sum, [, length]) => sum + length, 0)
  const header = gnuHeader(name, stored, 'S')
  const writeRegions = (block: Buffer, at: number, list: Array<[number, number]>): void => {
    list.forEach(([offset, length], i) => {
      block.write(octal(offset, 12), at + i * 24, 'latin1')
      block.write(octal(length, 12), at + i * 24 + 12, 'latin1')
    })
  }
  writeRegions(header, 386, regions.slice(0, 4))
  header.write(octal(realSize, 12), 483, 'latin1')
  const extensions: Buffer[] = []
  for (let start = 4; start < regions.length; start += 21) {
    const block = Buffer.alloc(512)
    writeRegions(block, 0, regions.slice(start, start + 21))
    if (start + 21 < regions.length) block[504] = 1
    extensions.push(block)
  }
  if (extensions.length > 0) header[482] = 1
  sealHeader(header)
  return Buffer.concat([header, ...extensions, tarMember(Buffer.alloc(0), Buffer.alloc(stored, 0x62))])
}

/** Every entry a TarScanner reports for `data`, fed in chunks of `chunkSize` bytes. */
export function scanEntries(data: Buffer, chunkSize = data.length): TarEntry[] {
  const entries: TarEntry[] = []
  const scanner = new TarScanner(entry => {
    entries.push(entry)
  })
  for (let offset = 0; offset < data.length; offset += chunkSize) scanner.write(data.subarray(offset, offset + chunkSize))
  scanner.end()
  return entries
}
