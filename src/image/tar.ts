// A streaming reader of tar headers. Layers are measured from their headers alone, so file contents
// are skipped as they pass, without copying; only headers and PAX/GNU metadata records are kept.
//
// Every layer byte is hostile. The reader follows Go's archive/tar, which containerd and Docker
// extract layers with: what it refuses is refused here, numbers are checked before they are used,
// and metadata is bounded before it is buffered. Reading differently from the extractor would let a
// layer show this reader other files than the ones the container gets.

export const BLOCK_SIZE = 512
/** The largest file whose content the scanner hands out. */
export const MAX_CAPTURE = 64 * 1024
/** The most bytes of one extended header (PAX records, a GNU long name or link): Go's limit too. */
export const MAX_METADATA_BYTES = 1 << 20
/** The longest path or link target of an entry: 16 times Linux's PATH_MAX. */
export const MAX_PATH_BYTES = 16 * 4096
/** The most extension blocks after an old GNU sparse header (21 map entries each). */
export const MAX_SPARSE_EXTENSIONS = MAX_METADATA_BYTES / BLOCK_SIZE

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'other'

export interface TarEntry {
  /** The path as recorded, without a leading `./` or `/`. */
  path: string
  type: EntryType
  /** Bytes of content: 0 for anything but a regular file; a sparse file's apparent size. */
  size: number
  linkName: string
  mode: number
  /** Set on sparse files (GNU or PAX sparse formats): their size is more than the bytes stored. */
  sparse?: true
}

/**
 * Receives one entry's content as it streams past, chunk by chunk (views into the stream's buffers:
 * copy what is kept), then `end`. For files read in part or whole whatever their size, such as a
 * package database or an executable searched for a marker.
 */
export interface ContentSink {
  write(chunk: Buffer): void
  end(): void
}

/** A tar stream that cannot be read; the message names the entry and the value at fault. */
export class TarFormatError extends Error {}

/** A bad value found while the entry it belongs to may not be named yet. */
class HeaderProblem extends Error {}

const META_TYPES = new Set(['x', 'g', 'L', 'K'])
// Types whose size field says nothing about stored data, as in Go's archive/tar (isHeaderOnlyType).
const HEADER_ONLY_TYPES = new Set(['1', '2', '3', '4', '5', '6'])
const META_NAMES: Record<string, string> = {
  x: 'PAX extended header',
  g: 'PAX global header',
  L: 'GNU long name header',
  K: 'GNU long link header'
}

const MAX_SHOWN = 100

/** A value from the archive as it is shown in a message: quoted, and cut when long. */
export function shown(value: string): string {
  return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value)
}

function readString(block: Buffer, offset: number, length: number): string {
  let end = offset
  const limit = offset + length
  while (end < limit && block[end] !== 0) end++
  return block.toString('utf8', offset, end)
}

function fieldText(block: Buffer, offset: number, length: number): string {
  return shown(block.toString('latin1', offset, offset + length).replace(/\0+$/, ''))
}

/**
 * A numeric field: octal text, or base-256 when the high bit of its first byte is set (GNU, star),
 * two's complement when the next bit is set too. Only `signed` fields may be negative.
 */
function readNumber(block: Buffer, offset: number, length: number, field: string, signed = false): number {
  const limit = offset + length
  const first = block[offset]
  if (first & 0x80) {
    const negative = (first & 0x40) !== 0
    if (negative && !signed) throw new HeaderProblem(`${field} field holds a negative number`)
    const invert = negative ? 0xff : 0
    let value = (first ^ invert) & 0x7f
    for (let i = offset + 1; i < limit; i++) value = value * 256 + (block[i] ^ invert)
    if (value > Number.MAX_SAFE_INTEGER) throw new HeaderProblem(`${field} field holds a number beyond 2^53`)
    return negative ? -value - 1 : value
  }
  let i = offset
  while (i < limit && (block[i] === 0x20 || block[i] === 0)) i++
  let value = 0
  for (; i < limit; i++) {
    const byte = block[i]
    if (byte < 0x30 || byte > 0x37) break
    value = value * 8 + (byte - 0x30)
  }
  // As in Go: the number may end in spaces, and a NUL ends the field.
  for (; i < limit && block[i] !== 0; i++) {
    if (block[i] !== 0x20) throw new HeaderProblem(`${field} field ${fieldText(block, offset, length)} is not an octal number`)
  }
  return value
}

const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1')
const GNU_MAGIC = Buffer.from('ustar  \0', 'latin1')
const STAR_TRAILER = Buffer.from('tar\0', 'latin1')

function holds(block: Buffer, offset: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (block[offset + i] !== bytes[i]) return false
  return true
}

function isZeroBlock(block: Buffer, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK_SIZE; i++) if (block[i] !== 0) return false
  return true
}

/**
 * The sum of a header's bytes, its checksum field counted as eight spaces. Every header of every
 * layer is summed (a million files: half a gigabyte), so an aligned header is read four bytes at a
 * time, each word's bytes added in two pairs of 16-bit lanes that cannot overflow in 126 words.
 */
export function unsignedSum(block: Buffer, offset: number): number {
  const start = block.byteOffset + offset
  if ((start & 3) !== 0) {
    let sum = 8 * 0x20
    for (let i = offset; i < offset + 148; i++) sum += block[i]
    for (let i = offset + 156; i < offset + BLOCK_SIZE; i++) sum += block[i]
    return sum
  }
  const words = new Uint32Array(block.buffer, start, BLOCK_SIZE / 4)
  let even = 0
  let odd = 0
  // Words 37 and 38 are the checksum field, bytes 148 to 155.
  for (let i = 0; i < 37; i++) {
    even += words[i] & 0x00ff00ff
    odd += (words[i] >>> 8) & 0x00ff00ff
  }
  for (let i = 39; i < BLOCK_SIZE / 4; i++) {
    even += words[i] & 0x00ff00ff
    odd += (words[i] >>> 8) & 0x00ff00ff
  }
  return 8 * 0x20 + (even & 0xffff) + (even >>> 16) + (odd & 0xffff) + (odd >>> 16)
}

/** The header checksum: unsigned, or signed as some old tars wrote it (Go accepts both). */
function checksumMatches(block: Buffer, offset: number): { matches: boolean; stored: string; computed: number } {
  const unsigned = unsignedSum(block, offset)
  let stored = -1
  try {
    stored = readNumber(block, offset + 148, 8, 'checksum')
  } catch {
    // Left at -1: matches nothing.
  }
  if (stored === unsigned) return { matches: true, stored: '', computed: unsigned }
  let signed = 8 * 0x20
  for (let i = offset; i < offset + 148; i++) signed += (block[i] << 24) >> 24
  for (let i = offset + 156; i < offset + BLOCK_SIZE; i++) signed += (block[i] << 24) >> 24
  return { matches: stored === signed, stored: fieldText(block, offset + 148, 8), computed: unsigned }
}

const RECORD_PATH_KEYS = new Set(['path', 'linkpath', 'GNU.sparse.name'])

/**
 * Parses PAX records, `<length> <key>=<value>\n`, where length counts the bytes of the whole record,
 * as strictly as Go does. Sparse format 0.0 repeats GNU.sparse.offset and GNU.sparse.numbytes: they
 * are gathered into GNU.sparse.map, as format 0.1 writes it.
 */
export function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>()
  const sparseMap: string[] = []
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    const lengthText = space < 0 ? '' : data.toString('latin1', pos, space)
    const length = /^\d{1,8}$/.test(lengthText) ? Number(lengthText) : NaN
    if (!(length >= 5) || pos + length > data.length || space + 1 >= pos + length || data[pos + length - 1] !== 0x0a) {
      throw new HeaderProblem(`malformed PAX record at byte ${pos} of the extended header: ${shown(data.toString('latin1', pos, Math.min(data.length, pos + 40)))}`)
    }
    const equals = data.indexOf(0x3d, space + 1)
    if (equals <= space + 1 || equals >= pos + length) {
      throw new HeaderProblem(`PAX record ${shown(data.toString('utf8', space + 1, pos + length - 1))} has no key=value`)
    }
    const key = data.toString('utf8', space + 1, equals)
    const valueStart = equals + 1
    const valueEnd = pos + length - 1
    if (data.subarray(space + 1, RECORD_PATH_KEYS.has(key) ? valueEnd : equals).includes(0)) {
      throw new HeaderProblem(`PAX record ${shown(key)} holds a NUL byte`)
    }
    if (RECORD_PATH_KEYS.has(key) && valueEnd - valueStart > MAX_PATH_BYTES) {
      throw new HeaderProblem(`PAX record ${key} holds ${valueEnd - valueStart} bytes, beyond the ${MAX_PATH_BYTES}-byte limit of a path`)
    }
    const value = data.toString('utf8', valueStart, valueEnd)
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
      const expected = sparseMap.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes'
      if (key !== expected || value.includes(',')) throw new HeaderProblem(`PAX record ${key}=${shown(value)} is out of order in the sparse map`)
      sparseMap.push(value)
    } else {
      records.set(key, value)
    }
    pos += length
  }
  if (sparseMap.length > 0) records.set('GNU.sparse.map', sparseMap.join(','))
  return records
}

const DECIMAL = /^[+-]?\d{1,19}$/
const PAX_TIME = /^[+-]?\d{1,19}(\.\d*)?$/

/** A PAX record that must be a count (a size, an offset): digits, a safe integer, not negative. */
function paxCount(key: string, value: string): number {
  const number = DECIMAL.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(number) || number < 0) throw new HeaderProblem(`PAX record ${key}=${shown(value)} is not a byte count`)
  return number
}

/** Numeric PAX records that measuring does not use, checked all the same: Go refuses them when bad. */
function checkPaxNumbers(records: Map<string, string>): void {
  for (const key of ['uid', 'gid']) {
    const value = records.get(key)
    if (value && !(DECIMAL.test(value) && Number.isSafeInteger(Number(value)))) {
      throw new HeaderProblem(`PAX record ${key}=${shown(value)} is not a number`)
    }
  }
  for (const key of ['mtime', 'atime', 'ctime']) {
    const value = records.get(key)
    if (value && !(PAX_TIME.test(value) && Math.abs(Number(value)) <= Number.MAX_SAFE_INTEGER)) {
      throw new HeaderProblem(`PAX record ${key}=${shown(value)} is not a time`)
    }
  }
}

/** Checks a sparse map as Go does: regions in order, apart, within the real size, covering the stored data. */
class SparseMapCheck {
  private end = 0
  private stored = 0
  entries = 0
  constructor(private readonly realSize: number) {}
  add(offset: number, length: number): void {
    if (offset < this.end || offset + length > this.realSize) {
      throw new HeaderProblem(
        `sparse region of ${length} bytes at offset ${offset} overlaps another or lies beyond the real size of ${this.realSize} bytes`
      )
    }
    this.end = offset + length
    this.stored += length
    this.entries++
  }
  finish(storedSize: number): void {
    if (this.stored !== storedSize) {
      throw new HeaderProblem(`sparse map covers ${this.stored} bytes but the entry stores ${storedSize}`)
    }
  }
}

function readSparseEntries(block: Buffer, offset: number, count: number, map: SparseMapCheck): void {
  for (let i = 0; i < count; i++) {
    const at = offset + i * 24
    // GNU and BSD tar end the list at an offset that starts with NUL.
    if (block[at] === 0) return
    map.add(readNumber(block, at, 12, 'sparse offset'), readNumber(block, at + 12, 12, 'sparse length'))
  }
}

export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE
}

export function normalizePath(raw: string): string {
  let path = raw
  while (path.startsWith('./')) path = path.slice(2)
  while (path.startsWith('/')) path = path.slice(1)
  if (path.endsWith('/')) path = path.slice(0, -1)
  return path
}

function entryType(typeflag: string): EntryType {
  switch (typeflag) {
    case '0':
    case '7':
    case 'S':
      return 'file'
    case '1':
      return 'hardlink'
    case '2':
      return 'symlink'
    case '5':
      return 'directory'
    default:
      return 'other'
  }
}

/**
 * What a reader of the tar must do after `next`: read the next block ('block'), read `dataBytes`
 * of metadata and hand them to `metadata` ('metadata'), skip `dataBytes` of the entry's content,
 * padded to a block ('entry'), or stop ('end').
 */
export type TarStep = 'block' | 'metadata' | 'entry' | 'end'

interface PendingSparse {
  entry: TarEntry
  stored: number
  map: SparseMapCheck
  extensions: number
  offset: number
}

/**
 * Interprets the blocks of a tar archive one at a time: headers, the metadata records that qualify
 * the next entry, old GNU sparse extension blocks and the end marker. Whoever holds the bytes (a
 * stream, a file read at offsets) feeds it; one piece of logic decides where every entry starts.
 */
export class TarHeaderReader {
  /** The entry whose header was just read ('entry'). */
  entry: TarEntry = { path: '', type: 'other', size: 0, linkName: '', mode: 0 }
  /** Bytes stored after the header: metadata to read, or the entry's content to skip. */
  dataBytes = 0
  private pax = new Map<string, string>()
  private longName: string | undefined
  private longLink: string | undefined
  private metaType = ''
  private metaName = ''
  private metaOffset = 0
  private zeroBlockSeen = false
  private sparse: PendingSparse | undefined
  private lastPath = ''

  /** Takes the block at `offset` of `block`, which sits at byte `position` of the archive. */
  next(block: Buffer, offset: number, position: number): TarStep {
    if (this.sparse !== undefined) return this.sparseExtension(block, offset, this.sparse)
    if (block[offset] === 0 && isZeroBlock(block, offset)) {
      // As in Go: two zero blocks end the archive; one followed by anything else is an error.
      if (this.zeroBlockSeen) return 'end'
      this.zeroBlockSeen = true
      return 'block'
    }
    if (this.zeroBlockSeen) {
      throw new TarFormatError(`tar header at byte ${position} follows a zero block, which marks the end of the archive (after entry ${shown(this.lastPath)})`)
    }
    const checksum = checksumMatches(block, offset)
    if (!checksum.matches) {
      throw new TarFormatError(
        `tar header at byte ${position} (name field ${shown(readString(block, offset, 100))}, after entry ${shown(this.lastPath)}): checksum mismatch (stored ${checksum.stored}, computed ${checksum.computed.toString(8)}): the data is not a tar archive or is corrupt`
      )
    }
    const typeByte = block[offset + 156]
    const typeflag = typeByte === 0 ? '0' : String.fromCharCode(typeByte)
    if (META_TYPES.has(typeflag)) return this.metaHeader(block, offset, position, typeflag)
    let name = readString(block, offset, 100)
    // ustar keeps a path prefix at 345 (star at 345 too, 131 bytes long); GNU ("ustar  \0") keeps times there.
    const isUstar = holds(block, offset + 257, USTAR_MAGIC)
    const isGnu = !isUstar && holds(block, offset + 257, GNU_MAGIC)
    if (isUstar) {
      const isStar = holds(block, offset + 508, STAR_TRAILER)
      const prefix = readString(block, offset + 345, isStar ? 131 : 155)
      if (prefix !== '') name = `${prefix}/${name}`
    }
    const pax = this.pax
    const hasPax = pax.size > 0
    const paxPath = hasPax ? paxRecord(pax, 'path') : undefined
    const rawPath = (hasPax ? paxRecord(pax, 'GNU.sparse.name') : undefined) ?? this.longName ?? paxPath ?? name
    const path = normalizePath(rawPath)
    try {
      return this.entryHeader(block, offset, position, typeflag, typeByte, path, rawPath, isUstar || isGnu, isGnu)
    } catch (error) {
      if (error instanceof HeaderProblem) throw new TarFormatError(`entry ${shown(path)} (tar header at byte ${position}): ${error.message}`)
      throw error
    }
  }

  /** Takes the `dataBytes` of metadata that a 'metadata' step asked for. */
  metadata(data: Buffer): void {
    try {
      switch (this.metaType) {
        case 'x':
          this.pax = parsePax(data)
          break
        case 'g':
          // Checked, then ignored: Go returns global records to the caller and applies them to no
          // entry, and forgets what extended headers came before.
          checkPaxNumbers(parsePax(data))
          this.pax = new Map()
          this.longName = undefined
          this.longLink = undefined
          break
        case 'L':
          this.longName = this.longText(data, 'name')
          break
        case 'K':
          this.longLink = this.longText(data, 'link target')
          break
      }
    } catch (error) {
      if (error instanceof HeaderProblem) {
        throw new TarFormatError(`${META_NAMES[this.metaType]} ${shown(this.metaName)} at byte ${this.metaOffset}: ${error.message}`)
      }
      throw error
    }
  }

  private longText(data: Buffer, what: string): string {
    let end = data.indexOf(0)
    if (end < 0) end = data.length
    if (end > MAX_PATH_BYTES) {
      throw new HeaderProblem(`long ${what} ${shown(data.toString('utf8', 0, MAX_SHOWN + 1))} holds ${end} bytes, beyond the ${MAX_PATH_BYTES}-byte limit of a path`)
    }
    return data.toString('utf8', 0, end)
  }

  private metaHeader(block: Buffer, offset: number, position: number, typeflag: string): TarStep {
    this.metaType = typeflag
    this.metaName = readString(block, offset, 100)
    this.metaOffset = position
    let size: number
    try {
      size = readNumber(block, offset + 124, 12, 'size')
    } catch (error) {
      throw new TarFormatError(`${META_NAMES[typeflag]} ${shown(this.metaName)} at byte ${position}: ${(error as Error).message}`)
    }
    if (size > MAX_METADATA_BYTES) {
      throw new TarFormatError(
        `${META_NAMES[typeflag]} ${shown(this.metaName)} at byte ${position} holds ${size} bytes, beyond the ${MAX_METADATA_BYTES}-byte limit of tar metadata`
      )
    }
    this.dataBytes = size
    return 'metadata'
  }

  private entryHeader(
    block: Buffer,
    offset: number,
    position: number,
    typeflag: string,
    typeByte: number,
    path: string,
    rawPath: string,
    hasUstarFields: boolean,
    isGnu: boolean
  ): TarStep {
    const mode = readNumber(block, offset + 100, 8, 'mode')
    readNumber(block, offset + 108, 8, 'uid', true)
    readNumber(block, offset + 116, 8, 'gid', true)
    readNumber(block, offset + 136, 12, 'mtime', true)
    if (hasUstarFields) {
      readNumber(block, offset + 329, 8, 'devmajor', true)
      readNumber(block, offset + 337, 8, 'devminor', true)
    }
    let stored = readNumber(block, offset + 124, 12, 'size')
    const pax = this.pax
    let linkName = this.longLink ?? (pax.size > 0 ? paxRecord(pax, 'linkpath') : undefined) ?? readString(block, offset + 157, 100)
    if (pax.size > 0) {
      checkPaxNumbers(pax)
      const paxSize = paxRecord(pax, 'size')
      if (paxSize !== undefined) stored = paxCount('size', paxSize)
    }
    // Legacy archives mark directories by a trailing slash on an entry of type NUL (Go's TypeRegA).
    const type = typeByte === 0 && rawPath.endsWith('/') ? 'directory' : entryType(typeflag)
    if (type === 'hardlink' || type === 'symlink') {
      if (linkName === '') throw new HeaderProblem(`${type === 'hardlink' ? 'hard link' : 'symlink'} has no target`)
    } else {
      linkName = ''
    }
    this.dataBytes = HEADER_ONLY_TYPES.has(typeflag) || type === 'directory' ? 0 : stored
    const entry: TarEntry = { path, type, size: type === 'file' ? stored : 0, linkName, mode }
    if (pax.size > 0) this.pax = new Map()
    this.longName = undefined
    this.longLink = undefined
    this.lastPath = path
    this.entry = entry
    if (typeflag === 'S') {
      // Go reads the old GNU sparse layout only in GNU headers; star's 'S' has another layout.
      if (!isGnu) throw new HeaderProblem('sparse entry (type S) outside the GNU format')
      const realSize = readNumber(block, offset + 483, 12, 'sparse real size')
      const map = new SparseMapCheck(realSize)
      readSparseEntries(block, offset + 386, 4, map)
      entry.size = realSize
      entry.sparse = true
      if (block[offset + 482] !== 0) {
        this.sparse = { entry, stored, map, extensions: 0, offset: position }
        return 'block'
      }
      map.finish(stored)
    } else if (pax.size > 0 && type === 'file') {
      const realSize = paxSparseSize(pax, stored)
      if (realSize !== undefined) {
        entry.size = realSize
        entry.sparse = true
      }
    }
    return 'entry'
  }

  private sparseExtension(block: Buffer, offset: number, sparse: PendingSparse): TarStep {
    try {
      if (++sparse.extensions > MAX_SPARSE_EXTENSIONS) {
        throw new HeaderProblem(`sparse map runs over more than ${MAX_SPARSE_EXTENSIONS} extension blocks`)
      }
      readSparseEntries(block, offset, 21, sparse.map)
      if (block[offset + 504] !== 0) return 'block'
      sparse.map.finish(sparse.stored)
    } catch (error) {
      if (error instanceof HeaderProblem) {
        throw new TarFormatError(`entry ${shown(sparse.entry.path)} (tar header at byte ${sparse.offset}): ${error.message}`)
      }
      throw error
    }
    this.sparse = undefined
    this.entry = sparse.entry
    this.dataBytes = sparse.stored
    return 'entry'
  }
}

/** A record of the extended header; an empty value keeps the header's own field, as POSIX says. */
function paxRecord(records: Map<string, string>, key: string): string | undefined {
  const value = records.get(key)
  return value === '' ? undefined : value
}

/**
 * The apparent size of a PAX sparse file (GNU formats 0.0, 0.1 and 1.0), or undefined when the
 * records describe no sparse file. What is stored is the data regions only (0.x), or a map at the
 * start of the data followed by the regions (1.0); either way the archive holds `stored` bytes.
 */
function paxSparseSize(records: Map<string, string>, stored: number): number | undefined {
  const major = paxRecord(records, 'GNU.sparse.major')
  const minor = paxRecord(records, 'GNU.sparse.minor')
  const map = records.get('GNU.sparse.map')
  const sizeText = paxRecord(records, 'GNU.sparse.size') ?? paxRecord(records, 'GNU.sparse.realsize')
  if (major === undefined && minor === undefined && map === undefined) {
    if (sizeText !== undefined) throw new HeaderProblem('GNU sparse records give a real size but no sparse map or format version')
    return undefined
  }
  const version = `${major ?? '0'}.${minor ?? (map !== undefined ? '1' : '')}`
  if (version !== '0.0' && version !== '0.1' && version !== '1.0') {
    throw new HeaderProblem(`GNU sparse format version ${shown(version)} is not one this reader knows (0.0, 0.1, 1.0)`)
  }
  if (sizeText === undefined) throw new HeaderProblem(`GNU sparse file (format ${version}) does not give its real size`)
  const realSize = paxCount(records.has('GNU.sparse.size') ? 'GNU.sparse.size' : 'GNU.sparse.realsize', sizeText)
  if (version === '1.0') return realSize
  const blocks = paxCount('GNU.sparse.numblocks', records.get('GNU.sparse.numblocks') ?? '')
  const values = map === undefined || map === '' ? [] : map.split(',')
  if (values.length !== blocks * 2) {
    throw new HeaderProblem(`GNU sparse map holds ${values.length} numbers, not the ${blocks * 2} that GNU.sparse.numblocks=${blocks} needs`)
  }
  const check = new SparseMapCheck(realSize)
  for (let i = 0; i < values.length; i += 2) check.add(paxCount('GNU.sparse.map offset', values[i]), paxCount('GNU.sparse.map length', values[i + 1]))
  check.finish(stored)
  return realSize
}

/**
 * Feeds on chunks of a tar stream and reports each entry's header. Content bytes are only counted
 * past, so the cost per byte is a bounds check, and memory stays at one header block plus one
 * entry's metadata (at most MAX_METADATA_BYTES).
 */
export class TarScanner {
  private readonly reader = new TarHeaderReader()
  private readonly header = Buffer.alloc(BLOCK_SIZE)
  private headerFill = 0
  private skipBytes = 0
  private metaChunks: Buffer[] = []
  private metaRemaining = 0
  private metaPadding = 0
  private ended = false
  private capture: { entry: TarEntry; chunks: Buffer[]; remaining: number } | undefined
  private sink: { sink: ContentSink; remaining: number } | undefined
  /** Bytes of the tar stream consumed so far. */
  bytes = 0

  /**
   * `onEntry` may return true to receive the entry's content through `onContent`: meant for a few
   * small files (up to MAX_CAPTURE bytes), such as configuration that may hold credentials; or a
   * ContentSink, which sees the content of a regular file of any size as it streams past.
   */
  constructor(
    private readonly onEntry: (entry: TarEntry) => boolean | ContentSink | void,
    private readonly onContent?: (entry: TarEntry, content: Buffer) => void
  ) {}

  write(chunk: Buffer): void {
    const start = this.bytes
    this.bytes += chunk.length
    let pos = 0
    const length = chunk.length
    while (pos < length && !this.ended) {
      if (this.skipBytes > 0) {
        const step = Math.min(this.skipBytes, length - pos)
        if (this.capture !== undefined) this.takeContent(chunk, pos, step)
        else if (this.sink !== undefined) this.feedSink(chunk, pos, step)
        this.skipBytes -= step
        pos += step
      } else if (this.metaRemaining > 0) {
        const step = Math.min(this.metaRemaining, length - pos)
        this.metaChunks.push(chunk.subarray(pos, pos + step))
        this.metaRemaining -= step
        pos += step
        if (this.metaRemaining === 0) this.finishMeta()
      } else if (this.headerFill === 0 && length - pos >= BLOCK_SIZE) {
        this.handleBlock(chunk, pos, start + pos)
        pos += BLOCK_SIZE
      } else {
        const step = Math.min(BLOCK_SIZE - this.headerFill, length - pos)
        chunk.copy(this.header, this.headerFill, pos, pos + step)
        this.headerFill += step
        pos += step
        if (this.headerFill === BLOCK_SIZE) {
          this.headerFill = 0
          this.handleBlock(this.header, 0, start + pos - BLOCK_SIZE)
        }
      }
    }
  }

  /** Checks that the stream did not stop inside an entry. */
  end(): void {
    if (this.ended) return
    if (this.skipBytes > 0 || this.metaRemaining > 0 || this.headerFill > 0) {
      const inside = this.metaRemaining > 0 ? 'the metadata of an entry' : `entry ${shown(this.reader.entry.path)}`
      throw new TarFormatError(`the tar stream ends inside ${inside} after ${this.bytes} bytes: the layer is truncated`)
    }
  }

  private handleBlock(block: Buffer, offset: number, position: number): void {
    switch (this.reader.next(block, offset, position)) {
      case 'block':
        return
      case 'end':
        this.ended = true
        return
      case 'metadata': {
        const size = this.reader.dataBytes
        this.metaChunks = []
        this.metaRemaining = size
        this.metaPadding = paddedSize(size) - size
        if (size === 0) this.finishMeta()
        return
      }
      case 'entry':
        this.startEntry(this.reader.entry, this.reader.dataBytes)
    }
  }

  private startEntry(entry: TarEntry, stored: number): void {
    this.skipBytes = paddedSize(stored)
    const wanted = this.onEntry(entry)
    if (wanted === true && this.onContent && entry.type === 'file' && entry.sparse === undefined && stored <= MAX_CAPTURE) {
      this.capture = { entry, chunks: [], remaining: stored }
      if (stored === 0) this.finishCapture()
    } else if (typeof wanted === 'object' && wanted !== null && entry.type === 'file' && entry.sparse === undefined) {
      // A sparse file's stored bytes are not its content in order: no sink sees them.
      this.sink = { sink: wanted, remaining: stored }
      if (stored === 0) this.finishSink()
    }
  }

  private feedSink(chunk: Buffer, pos: number, step: number): void {
    const sink = this.sink!
    const take = Math.min(step, sink.remaining)
    if (take > 0) sink.sink.write(chunk.subarray(pos, pos + take))
    sink.remaining -= take
    if (sink.remaining === 0) this.finishSink()
  }

  private finishSink(): void {
    const { sink } = this.sink!
    this.sink = undefined
    sink.end()
  }

  private takeContent(chunk: Buffer, pos: number, step: number): void {
    const capture = this.capture!
    const take = Math.min(step, capture.remaining)
    if (take > 0) capture.chunks.push(Buffer.from(chunk.subarray(pos, pos + take)))
    capture.remaining -= take
    if (capture.remaining === 0) this.finishCapture()
  }

  private finishCapture(): void {
    const { entry, chunks } = this.capture!
    this.capture = undefined
    this.onContent!(entry, Buffer.concat(chunks))
  }

  private finishMeta(): void {
    const data = Buffer.concat(this.metaChunks)
    this.metaChunks = []
    this.skipBytes = this.metaPadding
    this.reader.metadata(data)
  }
}
