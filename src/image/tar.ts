// A streaming reader of tar headers. Layers are measured from their headers alone, so file contents
// are skipped as they pass, without copying; only headers and PAX/GNU metadata records are kept.

export const BLOCK_SIZE = 512
/** The largest file whose content the scanner hands out. */
export const MAX_CAPTURE = 64 * 1024

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'other'

export interface TarEntry {
  /** The path as recorded, without a leading `./` or `/`. */
  path: string
  type: EntryType
  /** Bytes of content: 0 for anything but a regular file. */
  size: number
  linkName: string
  mode: number
}

export class TarFormatError extends Error {}

interface RawHeader {
  name: string
  mode: number
  size: number
  typeflag: string
  linkName: string
}

const META_TYPES = new Set(['x', 'g', 'L', 'K'])
// Types whose size field says nothing about stored data, as in Go's archive/tar (isHeaderOnlyType).
const HEADER_ONLY_TYPES = new Set(['1', '2', '3', '4', '5', '6'])

function readString(block: Buffer, offset: number, length: number): string {
  let end = offset
  const limit = offset + length
  while (end < limit && block[end] !== 0) end++
  return block.toString('utf8', offset, end)
}

/** Numeric fields are octal text, or base-256 when the first byte has its high bit set (GNU, star). */
function readNumber(block: Buffer, offset: number, length: number): number {
  if (block[offset] & 0x80) {
    let value = block[offset] & 0x7f
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + block[i]
    return value
  }
  let value = 0
  let i = offset
  const limit = offset + length
  while (i < limit && (block[i] === 0x20 || block[i] === 0)) i++
  for (; i < limit; i++) {
    const byte = block[i]
    if (byte === 0 || byte === 0x20) break
    if (byte < 0x30 || byte > 0x37) throw new TarFormatError(`invalid octal number in tar header at byte ${i - offset}`)
    value = value * 8 + (byte - 0x30)
  }
  return value
}

function isZeroBlock(block: Buffer, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK_SIZE; i++) if (block[i] !== 0) return false
  return true
}

/** Parses the header block at `offset`; undefined for the zero block that ends an archive. */
export function parseHeader(block: Buffer, offset = 0): RawHeader | undefined {
  if (block[offset] === 0 && isZeroBlock(block, offset)) return undefined
  let checksum = 0
  for (let i = offset; i < offset + BLOCK_SIZE; i++) {
    checksum += i >= offset + 148 && i < offset + 156 ? 0x20 : block[i]
  }
  let stored: number
  try {
    stored = readNumber(block, offset + 148, 8)
  } catch {
    stored = -1
  }
  if (checksum !== stored) {
    throw new TarFormatError('tar header checksum mismatch: the data is not a tar archive or is corrupt')
  }
  let name = readString(block, offset, 100)
  // ustar keeps a path prefix at 345; the GNU format ("ustar  \0") uses that area for other fields.
  const isUstar = block.toString('latin1', offset + 257, offset + 263) === 'ustar\u0000'
  if (isUstar) {
    const prefix = readString(block, offset + 345, 155)
    if (prefix !== '') name = `${prefix}/${name}`
  }
  const typeByte = block[offset + 156]
  return {
    name,
    mode: readNumber(block, offset + 100, 8),
    size: readNumber(block, offset + 124, 12),
    typeflag: typeByte === 0 ? '0' : String.fromCharCode(typeByte),
    linkName: readString(block, offset + 157, 100)
  }
}

/** Parses PAX records: `<length> <key>=<value>\n`, where length counts bytes of the whole record. */
export function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>()
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    if (space < 0) break
    const length = Number(data.toString('latin1', pos, space))
    if (!Number.isSafeInteger(length) || length <= 0 || pos + length > data.length) {
      throw new TarFormatError('malformed PAX extended header record')
    }
    const record = data.subarray(space + 1, pos + length - 1)
    const equals = record.indexOf(0x3d)
    if (equals > 0) records.set(record.toString('utf8', 0, equals), record.toString('utf8', equals + 1))
    pos += length
  }
  return records
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
 * Feeds on chunks of a tar stream and reports each entry's header. Content bytes are only counted
 * past, so the cost per byte is a bounds check, and memory stays at one header block.
 */
export class TarScanner {
  private readonly header = Buffer.alloc(BLOCK_SIZE)
  private headerFill = 0
  private skipBytes = 0
  private metaType = ''
  private metaChunks: Buffer[] = []
  private metaRemaining = 0
  private metaPadding = 0
  private pax = new Map<string, string>()
  private globalPax = new Map<string, string>()
  private longName: string | undefined
  private longLink: string | undefined
  private ended = false
  private capture: { entry: TarEntry; chunks: Buffer[]; remaining: number } | undefined
  /** Bytes of the tar stream consumed so far. */
  bytes = 0

  /**
   * `onEntry` may return true to receive the entry's content through `onContent`: meant for a few
   * small files (up to MAX_CAPTURE bytes), such as configuration that may hold credentials.
   */
  constructor(
    private readonly onEntry: (entry: TarEntry) => boolean | void,
    private readonly onContent?: (entry: TarEntry, content: Buffer) => void
  ) {}

  write(chunk: Buffer): void {
    this.bytes += chunk.length
    let pos = 0
    const length = chunk.length
    while (pos < length && !this.ended) {
      if (this.skipBytes > 0) {
        const step = Math.min(this.skipBytes, length - pos)
        if (this.capture !== undefined) this.takeContent(chunk, pos, step)
        this.skipBytes -= step
        pos += step
      } else if (this.metaRemaining > 0) {
        const step = Math.min(this.metaRemaining, length - pos)
        this.metaChunks.push(chunk.subarray(pos, pos + step))
        this.metaRemaining -= step
        pos += step
        if (this.metaRemaining === 0) this.finishMeta()
      } else if (this.headerFill === 0 && length - pos >= BLOCK_SIZE) {
        this.handleHeader(chunk, pos)
        pos += BLOCK_SIZE
      } else {
        const step = Math.min(BLOCK_SIZE - this.headerFill, length - pos)
        chunk.copy(this.header, this.headerFill, pos, pos + step)
        this.headerFill += step
        pos += step
        if (this.headerFill === BLOCK_SIZE) {
          this.headerFill = 0
          this.handleHeader(this.header, 0)
        }
      }
    }
  }

  /** Checks that the stream did not stop inside an entry. */
  end(): void {
    if (this.ended) return
    if (this.skipBytes > 0 || this.metaRemaining > 0 || this.headerFill > 0) {
      throw new TarFormatError('the tar stream ends inside an entry: the layer is truncated')
    }
  }

  private handleHeader(block: Buffer, offset: number): void {
    const raw = parseHeader(block, offset)
    if (raw === undefined) {
      this.ended = true
      return
    }
    if (META_TYPES.has(raw.typeflag)) {
      this.metaType = raw.typeflag
      this.metaChunks = []
      this.metaRemaining = raw.size
      this.metaPadding = paddedSize(raw.size) - raw.size
      if (raw.size === 0) this.finishMeta()
      return
    }
    const pax = this.pax
    const paxSize = pax.get('size') ?? this.globalPax.get('size')
    const storedSize = paxSize !== undefined ? Number(paxSize) : raw.size
    const type = entryType(raw.typeflag)
    const entry: TarEntry = {
      path: normalizePath(pax.get('path') ?? this.longName ?? this.globalPax.get('path') ?? raw.name),
      type,
      size: type === 'file' ? storedSize : 0,
      linkName: pax.get('linkpath') ?? this.longLink ?? raw.linkName,
      mode: raw.mode
    }
    if (pax.size > 0) this.pax = new Map()
    this.longName = undefined
    this.longLink = undefined
    this.skipBytes = HEADER_ONLY_TYPES.has(raw.typeflag) ? 0 : paddedSize(storedSize)
    const wanted = this.onEntry(entry)
    if (wanted === true && this.onContent && type === 'file' && storedSize <= MAX_CAPTURE) {
      this.capture = { entry, chunks: [], remaining: storedSize }
      if (storedSize === 0) this.finishCapture()
    }
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
    switch (this.metaType) {
      case 'x':
        this.pax = parsePax(data)
        break
      case 'g':
        for (const [key, value] of parsePax(data)) this.globalPax.set(key, value)
        break
      case 'L':
        this.longName = readString(data, 0, data.length)
        break
      case 'K':
        this.longLink = readString(data, 0, data.length)
        break
    }
  }
}
