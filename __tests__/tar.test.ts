import { describe, expect, it } from '@jest/globals'
import { gzipSync } from 'node:zlib'
import { TarFormatError, TarScanner, unsignedSum } from '../src/image/tar.js'
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { gnuTar, handHeader, LONG_DIR, makeTree, sampleTree, sealHeader } from './helpers/tar.js'
import { scanEntries } from './helpers/tar.js'

const scanAll = scanEntries

describe('TarScanner', () => {
  const tree = sampleTree()

  it.each(['pax', 'gnu'] as const)('reads every entry of a %s tar written by GNU tar', format => {
    const entries = scanAll(gnuTar(tree.root, format))
    const byPath = new Map(entries.map(entry => [entry.path, entry]))
    for (const file of tree.files.filter(file => file.path !== 'app/main.js')) {
      expect(byPath.get(file.path)).toMatchObject({ type: 'file', size: file.bytes })
    }
    expect(byPath.get('app/link.js')).toMatchObject({ type: 'symlink', size: 0, linkName: 'main.js' })
    // GNU tar stores the second name of a hard link as a link entry with no content.
    // With names sorted, hard.js carries the content and main.js is the link.
    expect(byPath.get('app/hard.js')).toMatchObject({ type: 'file', size: 12_345 })
    expect(byPath.get('app/main.js')).toMatchObject({ type: 'hardlink', size: 0, linkName: './app/hard.js' })
    expect(byPath.get('app')).toMatchObject({ type: 'directory', size: 0 })
    expect(byPath.get(LONG_DIR)?.type).toBe('directory')
    const regular = entries.filter(entry => entry.type === 'file').reduce((sum, entry) => sum + entry.size, 0)
    expect(regular).toBe(tree.regularBytes)
    expect(regular).toBe(12_345 + 70_000 + 1_048_577)
  })

  it('gives the same entries however the stream is cut into chunks', () => {
    const data = gnuTar(tree.root, 'pax')
    const whole = scanAll(data)
    for (const chunkSize of [1, 7, 511, 512, 513, 4096]) {
      expect(scanAll(data, chunkSize)).toEqual(whole)
    }
  })

  it('reads base-256 sizes and ustar path prefixes', () => {
    const prefix = 'p'.repeat(120)
    const header = handHeader('file.bin', 1000, { base256: true })
    const withPrefix = handHeader('short.txt', 3)
    withPrefix.write(prefix, 345, 'utf8')
    // The checksum covers the prefix: recompute it after writing.
    sealHeader(withPrefix)
    const data = Buffer.concat([header, Buffer.alloc(1024), withPrefix, Buffer.alloc(512), Buffer.alloc(1024)])
    expect(scanAll(data)).toEqual([
      { path: 'file.bin', type: 'file', size: 1000, linkName: '', mode: 0o644 },
      { path: `${prefix}/short.txt`, type: 'file', size: 3, linkName: '', mode: 0o644 }
    ])
  })

  it('hands out the content of the small files asked for, however the stream is cut', () => {
    const root = sampleTree().root
    makeTree(root, [{ path: 'home/app/.npmrc', bytes: 0 }])
    writeFileSync(path.join(root, 'home/app/.npmrc'), '//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n')
    const data = gnuTar(root, 'pax')
    for (const chunkSize of [3, 100, 512, data.length]) {
      const contents = new Map<string, string>()
      const scanner = new TarScanner(
        entry => entry.path.endsWith('.npmrc') || entry.path === 'app/main.js',
        (entry, content) => contents.set(entry.path, content.toString('utf8'))
      )
      for (let offset = 0; offset < data.length; offset += chunkSize) scanner.write(data.subarray(offset, offset + chunkSize))
      scanner.end()
      expect(contents.get('home/app/.npmrc')).toBe('//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n')
      // app/main.js is a hard link in this tree (sorted after hard.js): a link has no content to hand out.
      expect(contents.has('app/main.js')).toBe(false)
    }
  })

  it('takes a header checksum summed unsigned or signed, and no other', () => {
    // A name in UTF-8 has bytes over 0x7f: there the two sums differ.
    const header = handHeader('caf\u00e9-\u00fc.txt', 0)
    const storeSum = (sum: number): Buffer => {
      const copy = Buffer.from(header)
      copy.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
      return copy
    }
    let unsigned = 0
    let signed = 0
    for (let i = 0; i < 512; i++) {
      const byte = i >= 148 && i < 156 ? 0x20 : header[i]
      unsigned += byte
      signed += byte > 0x7f ? byte - 256 : byte
    }
    expect(signed).toBeLessThan(unsigned)
    for (const sum of [unsigned, signed]) {
      expect(scanAll(Buffer.concat([storeSum(sum), Buffer.alloc(1024)])).map(entry => entry.path)).toEqual(['caf\u00e9-\u00fc.txt'])
    }
    for (const sum of [unsigned + 1, signed - 1]) {
      expect(() => scanAll(Buffer.concat([storeSum(sum), Buffer.alloc(1024)]))).toThrow(/checksum mismatch/)
    }
  })

  it('refuses data that is not a tar archive', () => {
    expect(() => scanAll(gzipSync(Buffer.alloc(4096, 1)))).toThrow(TarFormatError)
    expect(() => scanAll(Buffer.alloc(512, 0x41))).toThrow(/checksum mismatch/)
  })

  it('refuses a truncated archive', () => {
    const data = gnuTar(tree.root, 'pax')
    const firstFile = data.indexOf('main.js')
    expect(() => scanAll(data.subarray(0, firstFile + 2048))).toThrow(/truncated/)
  })
})

describe('unsignedSum', () => {
  /** The checksum as the format defines it: every byte, the checksum field as eight spaces. */
  const plainSum = (block: Buffer, offset: number): number => {
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[offset + i]
    return sum
  }

  it.each([0, 1, 2, 3, 4, 513])('adds up a header at byte %i of its buffer, four bytes at a time or one', shift => {
    const blocks = [Buffer.alloc(512, 0xff), Buffer.alloc(512), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) & 0xff))]
    for (const block of blocks) {
      // A buffer cut from a larger one, as zlib hands them on: its byteOffset shifts the alignment too.
      const backing = Buffer.alloc(2048, 0xee)
      const view = backing.subarray(3, 1500)
      block.copy(view, shift)
      expect(unsignedSum(view, shift)).toBe(plainSum(view, shift))
    }
    // All bytes at 0xff is the largest sum: the lanes hold it without carrying into each other.
    expect(plainSum(Buffer.alloc(512, 0xff), 0)).toBe(504 * 255 + 8 * 0x20)
  })
})
