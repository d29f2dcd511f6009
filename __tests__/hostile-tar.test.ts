// Layers crafted to fool or crash the measurement: each goes through the real TarScanner and through
// measureImage on an OCI layout, and must give the exact right number or an error that names the
// layer, the entry and the value.
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { OciDirectorySource } from '../src/image/blobs.js'
import { EntryKind, OverlayFilesystem } from '../src/image/filesystem.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { MAX_METADATA_BYTES, MAX_PATH_BYTES, TarFormatError } from '../src/image/tar.js'
import { writeLayout } from './helpers/oci.js'
import { endOfArchive, gnuHeader, gnuSparseMember, handHeader, paxData, paxMember, setField, tarMember } from './helpers/tar.js'
import { scanEntries } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'

const PLAIN = 'application/vnd.oci.image.layer.v1.tar'
const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd'
const GiB = 2 ** 30


const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

const scan = scanEntries

/** An image of one platform whose layers are these blobs, in an OCI layout folder. */
function imageOf(layers: Array<{ blob: Buffer; mediaType?: string }>) {
  const dir = tempDir('image-budget-hostile-oci-')
  writeLayout(dir, [
    {
      os: 'linux',
      architecture: 'amd64',
      // The hostile blobs may not decompress: their diff ids are not what is tested.
      layers: layers.map(({ blob, mediaType = PLAIN }) => ({ blob, mediaType, createdBy: 'RUN hostile', diffId: digestOf(blob) }))
    }
  ])
  const measure = async () => {
    const source = new OciDirectorySource(dir)
    const [platform] = await measureImage(source, await resolveImage(source), { store: new LayerStore(tempDir('image-budget-hostile-store-')) })
    return platform
  }
  /** What the measurement must fail with: the layer and the source, then the problem. */
  const failure = (layer: Buffer, problem: string): string => `layer ${digestOf(layer)} of OCI layout ${dir}: ${problem}`
  return { dir, measure, failure }
}

/** Expects the layer tar to be refused, alone and inside an image, with exactly this problem. */
async function expectRefused(tar: Buffer, problem: string, mediaType = PLAIN, blob = tar): Promise<void> {
  if (mediaType === PLAIN) {
    expect(() => scan(tar)).toThrow(TarFormatError)
    expect(() => scan(tar)).toThrow(problem)
    expect(() => scan(tar, 7)).toThrow(problem)
  }
  const image = imageOf([{ blob, mediaType }])
  await expect(image.measure()).rejects.toThrow(image.failure(blob, problem))
}

const file = (name: string, bytes: number, fill = 0x61): Buffer => tarMember(handHeader(name, bytes), Buffer.alloc(bytes, fill))
const archive = (...members: Buffer[]): Buffer => Buffer.concat([...members, endOfArchive()])

describe('hostile numbers in tar headers', () => {
  it('refuses a negative PAX size next to a real file, instead of subtracting it from the image', async () => {
    const real = file('app/real.bin', 3_000_000)
    const pax = paxMember([['size', '-100000000']])
    const tar = archive(real, pax, file('app/liar.bin', 0))
    await expectRefused(tar, `entry "app/liar.bin" (tar header at byte ${real.length + pax.length}): PAX record size="-100000000" is not a byte count`)
  })

  it.each([
    ['size', 'abc', 'PAX record size="abc" is not a byte count'],
    ['size', '0x10', 'PAX record size="0x10" is not a byte count'],
    ['size', '1e3', 'PAX record size="1e3" is not a byte count'],
    ['size', ' 12', 'PAX record size=" 12" is not a byte count'],
    ['size', '99999999999999999999', 'PAX record size="99999999999999999999" is not a byte count'],
    ['size', '9007199254740993', 'PAX record size="9007199254740993" is not a byte count'],
    ['mtime', 'yesterday', 'PAX record mtime="yesterday" is not a time'],
    ['uid', '-', 'PAX record uid="-" is not a number']
  ])('refuses PAX %s=%s, which used to turn sizes into NaN', async (key, value, problem) => {
    const pax = paxMember([[key, value]])
    await expectRefused(archive(pax, file('srv/data.bin', 1000)), `entry "srv/data.bin" (tar header at byte ${pax.length}): ${problem}`)
  })

  const base256 = (bytes: number[]): Buffer => Buffer.from(bytes)
  it.each([
    ['size', 124, 12, '12x4', 'size field "12x4" is not an octal number'],
    ['size', 124, 12, base256([0xff, ...new Array(11).fill(0xfe)]), 'size field holds a negative number'],
    ['size', 124, 12, base256([0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), 'size field holds a number beyond 2^53'],
    ['mode', 100, 8, '0644?', 'mode field "0644?" is not an octal number'],
    ['uid', 108, 8, 'root', 'uid field "root" is not an octal number'],
    ['gid', 116, 8, '12 34', 'gid field "12 34" is not an octal number'],
    ['mtime', 136, 12, base256([0x80, 0x7f, ...new Array(10).fill(0xff)]), 'mtime field holds a number beyond 2^53']
  ])('refuses a %s field of %p', async (_field, offset, length, value, problem) => {
    const header = setField(handHeader('bin/tool', 100), offset, length, value)
    await expectRefused(archive(tarMember(header, Buffer.alloc(100))), `entry "bin/tool" (tar header at byte 0): ${problem}`)
  })

  it('reads the numbers GNU and star write in base-256, and negative times', () => {
    const header = handHeader('big.bin', 0)
    setField(header, 124, 12, base256([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0xe8]))
    setField(header, 136, 12, base256(new Array(12).fill(0xff)))
    expect(scan(archive(tarMember(header, Buffer.alloc(1000))))).toEqual([{ path: 'big.bin', type: 'file', size: 1000, linkName: '', mode: 0o644 }])
  })
})

describe('hostile metadata sizes', () => {
  /** A GNU long name of `bytes` bytes, gzipped as members of 1 MiB each: a small blob. */
  function longNameLayer(bytes: number): Buffer {
    const chunk = gzipSync(Buffer.alloc(1 << 20, 0x61))
    const members = [gzipSync(gnuHeader('././@LongLink', bytes, 'L'))]
    for (let done = 0; done < bytes; done += 1 << 20) members.push(chunk)
    return Buffer.concat(members)
  }

  it('refuses a 200 MB GNU long name at its header, in bounded time and memory', async () => {
    const blob = longNameLayer(200_000_000)
    expect(blob.length).toBeLessThan(300_000)
    const problem = `GNU long name header "././@LongLink" at byte 0 holds 200000000 bytes, beyond the ${MAX_METADATA_BYTES}-byte limit of tar metadata`
    const image = imageOf([{ blob, mediaType: GZIP }])
    global.gc?.()
    const rssBefore = process.memoryUsage().rss
    const started = Date.now()
    await expect(image.measure()).rejects.toThrow(image.failure(blob, problem))
    expect(Date.now() - started).toBeLessThan(5000)
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 2 ** 20)
  })

  it('refuses a long name or PAX path beyond the path limit, naming it', async () => {
    const name = 'n'.repeat(MAX_PATH_BYTES + 10)
    const long = tarMember(gnuHeader('././@LongLink', name.length, 'L'), Buffer.from(name))
    await expectRefused(
      archive(long, file('short', 1)),
      `GNU long name header "././@LongLink" at byte 0: long name "${'n'.repeat(100)}…" holds ${MAX_PATH_BYTES + 10} bytes, beyond the ${MAX_PATH_BYTES}-byte limit of a path`
    )
    await expectRefused(
      archive(paxMember([['path', name]]), file('short', 1)),
      `PAX extended header "PaxHeaders/entry" at byte 0: PAX record path holds ${MAX_PATH_BYTES + 10} bytes, beyond the ${MAX_PATH_BYTES}-byte limit of a path`
    )
  })

  it('refuses an extended header over the metadata limit before buffering it', async () => {
    const header = handHeader('PaxHeaders/huge', MAX_METADATA_BYTES + 1, { typeflag: 'x' })
    await expectRefused(
      archive(header),
      `PAX extended header "PaxHeaders/huge" at byte 0 holds ${MAX_METADATA_BYTES + 1} bytes, beyond the ${MAX_METADATA_BYTES}-byte limit of tar metadata`
    )
  })

  it.each([
    ['a length that is not decimal', Buffer.from('0x10 path=abcdef\n'), 'malformed PAX record at byte 0 of the extended header: "0x10 path=abcdef\\n"'],
    ['a record without its newline', Buffer.from('12 path=abcd'), 'malformed PAX record at byte 0 of the extended header: "12 path=abcd"'],
    ['a record without a key', Buffer.from('9 =value\n'), 'PAX record "=value" has no key=value'],
    ['a path with a NUL', Buffer.from('12 path=a\0b\n'), 'PAX record "path" holds a NUL byte']
  ])('refuses PAX data with %s', async (_title, data: Buffer, problem) => {
    const pax = tarMember(handHeader('PaxHeaders/bad', data.length, { typeflag: 'x' }), data)
    await expectRefused(archive(pax, file('a', 1)), `PAX extended header "PaxHeaders/bad" at byte 0: ${problem}`)
  })
})

describe('sparse files', () => {
  const root = tempDir('image-budget-hostile-sparse-')
  // 1 GiB of apparent size holding 100 bytes: GNU tar stores one 4 KiB region of it.
  const sparseFile = path.join(root, 'sparse.bin')
  const fd = openSync(sparseFile, 'w')
  writeSync(fd, Buffer.alloc(100, 0x78), 0, 100, 0)
  ftruncateSync(fd, GiB)
  closeSync(fd)
  writeFileSync(path.join(root, 'z-after.txt'), Buffer.alloc(1000, 0x7a))

  it.each([
    ['old GNU (type S)', ['--format=gnu']],
    ['PAX 0.0', ['--format=pax', '--sparse-version=0.0']],
    ['PAX 0.1', ['--format=pax', '--sparse-version=0.1']],
    ['PAX 1.0', ['--format=pax', '--sparse-version=1.0']]
  ])('counts a %s sparse file at its real size and flags it', async (_title, format) => {
    const tar = gnuSparseTar(format)
    expect(tar.length).toBeLessThan(64 * 1024)
    for (const chunkSize of [tar.length, 512, 7]) {
      const entries = scan(tar, chunkSize)
      expect(entries.find(entry => entry.path === 'sparse.bin')).toEqual({ path: 'sparse.bin', type: 'file', size: GiB, linkName: '', mode: 0o644, sparse: true })
      // The stored bytes were skipped, not the real size: the next entry is read where it is.
      expect(entries.find(entry => entry.path === 'z-after.txt')).toMatchObject({ size: 1000 })
    }
    const platform = await imageOf([{ blob: tar }]).measure()
    expect(platform.size).toBe(GiB + 1000)
    expect(platform.topFiles[0]).toEqual({ path: 'sparse.bin', size: GiB, layer: 0 })
  })

  function gnuSparseTar(format: string[]): Buffer {
    return execFileSync('tar', [...format, '--sparse', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', 'sparse.bin', 'z-after.txt'])
  }

  it('reads old GNU sparse maps that run over extension blocks, however the stream is cut', async () => {
    const regions = Array.from({ length: 30 }, (_, i): [number, number] => [i * 2 ** 20, 512])
    const tar = archive(gnuSparseMember('holes.bin', GiB, regions), file('after.txt', 10))
    for (const chunkSize of [tar.length, 511, 1]) {
      expect(scan(tar, chunkSize).map(entry => [entry.path, entry.size, entry.sparse])).toEqual([
        ['holes.bin', GiB, true],
        ['after.txt', 10, undefined]
      ])
    }
    expect((await imageOf([{ blob: tar }]).measure()).size).toBe(GiB + 10)
  })

  it('refuses a sparse map that does not match the stored data or the real size', async () => {
    const member = gnuSparseMember('holes.bin', GiB, [[0, 512]])
    setField(member.subarray(0, 512), 124, 12, '00000002000')
    await expectRefused(archive(member), 'entry "holes.bin" (tar header at byte 0): sparse map covers 512 bytes but the entry stores 1024')
    await expectRefused(
      archive(gnuSparseMember('holes.bin', 1000, [[0, 512], [900, 512]])),
      'entry "holes.bin" (tar header at byte 0): sparse region of 512 bytes at offset 900 overlaps another or lies beyond the real size of 1000 bytes'
    )
  })

  it.each([
    [[['GNU.sparse.major', '2'], ['GNU.sparse.minor', '0'], ['GNU.sparse.realsize', '1073741824']], 'GNU sparse format version "2.0" is not one this reader knows (0.0, 0.1, 1.0)'],
    [[['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0']], 'GNU sparse file (format 1.0) does not give its real size'],
    [[['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0'], ['GNU.sparse.realsize', '-1']], 'PAX record GNU.sparse.realsize="-1" is not a byte count'],
    [[['GNU.sparse.size', '1073741824'], ['GNU.sparse.numblocks', '1'], ['GNU.sparse.map', '0,512,7']], 'GNU sparse map holds 3 numbers, not the 2 that GNU.sparse.numblocks=1 needs'],
    [[['GNU.sparse.size', '1073741824'], ['GNU.sparse.numblocks', '1'], ['GNU.sparse.map', '0,x']], 'PAX record GNU.sparse.map length="x" is not a byte count'],
    [[['GNU.sparse.realsize', '1073741824']], 'GNU sparse records give a real size but no sparse map or format version']
  ])('refuses PAX sparse records %j', async (records, problem) => {
    const pax = paxMember(records as Array<[string, string]>)
    await expectRefused(archive(pax, file('GNUSparseFile.0/s.bin', 512)), `entry "GNUSparseFile.0/s.bin" (tar header at byte ${pax.length}): ${problem}`)
  })
})

describe('deep paths', () => {
  const deep = (levels: number): string => `${'d/'.repeat(levels)}file.bin`

  it('measures a path 5,000 directories deep, and hides it with a whiteout', async () => {
    const layer = archive(paxMember([['path', deep(5000)]]), file('placeholder', 777))
    const whiteout = archive(file('.wh.d', 0))
    const one = await imageOf([{ blob: layer }]).measure()
    expect(one.size).toBe(777)
    expect(one.topFiles).toEqual([{ path: deep(5000), size: 777, layer: 0 }])
    expect(one.topDirectories.map(directory => [directory.size, directory.files])).toEqual(new Array(10).fill([777, 1]))
    const both = await imageOf([{ blob: layer }, { blob: whiteout }]).measure()
    expect(both.wastedBytes).toBe(777)
    expect(both.topWaste).toEqual([{ path: deep(5000), size: 777, writtenBy: 0, hiddenBy: 1 }])
    expect(both.topFiles).toEqual([])
  })

  it('refuses a tar path 100,000 directories deep at the path limit', async () => {
    await expectRefused(
      archive(paxMember([['path', deep(100_000)]]), file('placeholder', 1)),
      `PAX extended header "PaxHeaders/entry" at byte 0: PAX record path holds ${deep(100_000).length} bytes, beyond the ${MAX_PATH_BYTES}-byte limit of a path`
    )
  })

  it.each([5000, 100_000])('walks, lists and hides a filesystem %i directories deep', levels => {
    const filesystem = new OverlayFilesystem()
    filesystem.apply(deep(levels), EntryKind.File, 4242, 0)
    filesystem.apply('top.txt', EntryKind.File, 1, 0)
    const largest = filesystem.largest(2)
    expect(largest.visibleBytes).toBe(4243)
    expect(largest.files[0]).toEqual({ path: deep(levels), size: 4242, layer: 0 })
    // Directories of equal size are listed in the order the walk finishes them: deepest first.
    expect(largest.directories.map(directory => [directory.path.length, directory.size, directory.layer])).toEqual([
      [levels * 2 - 1, 4242, 0],
      [levels * 2 - 3, 4242, 0]
    ])
    let visited = 0
    filesystem.forEachFile(() => visited++)
    expect(visited).toBe(levels + 2)
    filesystem.apply(`${'d/'.repeat(levels / 2)}.wh..wh..opq`, EntryKind.Opaque, 0, 1)
    expect(filesystem.wastedBytes).toBe(4242)
    filesystem.apply('.wh.d', EntryKind.Whiteout, 0, 2)
    expect(filesystem.largest().visibleBytes).toBe(1)
  })
})

describe('hostile compression', () => {
  const tar = archive(file('etc/app.conf', 3000))

  /** A zstd frame of raw blocks holding `data`, declaring a window of 2^windowLog bytes. */
  function zstdFrame(data: Buffer, windowLog: number): Buffer {
    const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (windowLog - 10) << 3])]
    for (let offset = 0; offset < data.length; offset += 65536) {
      const block = data.subarray(offset, offset + 65536)
      const last = offset + 65536 >= data.length ? 1 : 0
      const header = (block.length << 3) | last
      parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, header >> 16]), block)
    }
    return Buffer.concat(parts)
  }

  it('reads a zstd layer whose window is within the decoder limit', async () => {
    expect((await imageOf([{ blob: zstdFrame(tar, 26), mediaType: ZSTD }]).measure()).size).toBe(3000)
  })

  it('refuses a zstd frame declaring a 2 GiB window before allocating it', async () => {
    const blob = zstdFrame(tar, 31)
    const image = imageOf([{ blob, mediaType: ZSTD }])
    await expect(image.measure()).rejects.toThrow(
      image.failure(blob, "the zstd frame at byte 0 needs a 2 GiB window, beyond the 128 MiB a decoder allows (zstd's default limit)")
    )
  })

  it.each([
    ['trailing bytes after a zstd frame', () => Buffer.concat([zstdFrame(tar, 20), Buffer.from('garbage!')]), ZSTD, `the bytes at ${tar.length + 6 + 3 * 1} of the zstd stream are not a zstd frame`],
    ['a truncated zstd frame', () => zstdFrame(tar, 20).subarray(0, 1000), ZSTD, 'the zstd stream ends inside the frame that starts at byte 0: the layer blob is truncated'],
    ['trailing garbage after a gzip stream', () => Buffer.concat([gzipSync(tar), Buffer.from('garbage')]), GZIP, 'the layer blob is not gzip data, or has bytes after its end that are not (incorrect header check)'],
    ['a truncated gzip stream', () => gzipSync(tar).subarray(0, 40), GZIP, 'the gzip stream ends early (unexpected end of file): the layer blob is truncated']
  ])('refuses %s', async (_title, makeBlob, mediaType, problem) => {
    const blob = makeBlob()
    const image = imageOf([{ blob, mediaType }])
    await expect(image.measure()).rejects.toThrow(image.failure(blob, problem))
  })
})

describe('hostile entry types and structure', () => {
  it('counts unknown types as 0 bytes and skips their data', async () => {
    const tar = archive(tarMember(handHeader('dev/odd', 5000, { typeflag: 'Z' }), Buffer.alloc(5000, 0x5a)), file('after.txt', 10))
    expect(scan(tar).map(entry => [entry.path, entry.type, entry.size])).toEqual([
      ['dev/odd', 'other', 0],
      ['after.txt', 'file', 10]
    ])
    expect((await imageOf([{ blob: tar }]).measure()).size).toBe(10)
  })

  it.each([
    ['1', 'hard link has no target'],
    ['2', 'symlink has no target']
  ])('refuses a link (type %s) without a target', async (typeflag, problem) => {
    await expectRefused(archive(tarMember(handHeader('lib/libx.so', 0, { typeflag }))), `entry "lib/libx.so" (tar header at byte 0): ${problem}`)
  })

  it('names the header whose checksum fails, and what came before it', async () => {
    const second = handHeader('b.txt', 5)
    second[0] = 0x63
    await expectRefused(
      archive(file('a.txt', 600), tarMember(second, Buffer.alloc(5))),
      `tar header at byte 1536 (name field "c.txt", after entry "a.txt"): checksum mismatch (stored ${JSON.stringify(`${(headerSum(second) - 1).toString(8).padStart(6, '0')}\0 `)}, computed ${headerSum(second).toString(8)})`
    )
  })

  function headerSum(block: Buffer): number {
    let sum = 0
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]
    return sum
  }

  it('refuses entries after a zero block, which Go reads as the end of the archive', async () => {
    await expectRefused(
      Buffer.concat([file('a.txt', 1), Buffer.alloc(512), file('hidden.bin', 100_000), endOfArchive()]),
      'tar header at byte 1536 follows a zero block, which marks the end of the archive (after entry "a.txt")'
    )
  })

  it('reads a legacy directory (type NUL, trailing slash) without skipping a size it does not store', async () => {
    const legacy = setField(handHeader('olddir/', 1000), 156, 1, Buffer.from([0]))
    const tar = archive(legacy, file('next.txt', 5))
    expect(scan(tar).map(entry => [entry.path, entry.type, entry.size])).toEqual([
      ['olddir', 'directory', 0],
      ['next.txt', 'file', 5]
    ])
    expect((await imageOf([{ blob: tar }]).measure()).size).toBe(5)
  })

  it('applies no global PAX records to entries, as Go does', () => {
    const global = paxData([
      ['size', '0'],
      ['path', 'evil']
    ])
    const tar = archive(tarMember(handHeader('pax_global_header', global.length, { typeflag: 'g' }), global), file('a.txt', 2000))
    expect(scan(tar).map(entry => [entry.path, entry.size])).toEqual([['a.txt', 2000]])
  })

  it('takes a GNU long name over a PAX path, as Go does', () => {
    const long = tarMember(gnuHeader('././@LongLink', 9, 'L'), Buffer.from('long.name'))
    expect(scan(archive(paxMember([['path', 'pax.name']]), long, file('short', 3))).map(entry => entry.path)).toEqual(['long.name'])
  })
})
