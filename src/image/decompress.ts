import * as stream from 'node:stream'
import { Transform, type Duplex, type TransformCallback } from 'node:stream'
import * as zlib from 'node:zlib'
import { Decompress as ZstdStream } from 'fzstd'

export type Compression = 'gzip' | 'zstd' | 'none'

export class UnsupportedLayerError extends Error {}

/** A layer blob that does not decompress: corrupt, truncated, or asking for too much memory. */
export class LayerDecompressError extends Error {}

/** A layer's compression, from its media type (OCI `+gzip`/`+zstd`, Docker `.tar.gzip`, plain `tar`). */
export function compressionOf(mediaType: string): Compression {
  if (/(\+|\.)gzip$/.test(mediaType)) return 'gzip'
  if (/(\+|\.)zstd$/.test(mediaType)) return 'zstd'
  if (/(\.|\/)tar$|\.tar$|\.v1\.tar$/.test(mediaType) || mediaType.endsWith('.diff.tar')) return 'none'
  throw new UnsupportedLayerError(`unsupported layer media type "${mediaType}"`)
}

// One thread-pool round trip per output buffer: a large one halves the hand-offs of a layer that
// compresses well, and the tar scanner takes any size.
const ZLIB_CHUNK = 1024 * 1024
/** The largest zstd window a layer may ask for: the default limit of zstd's own decoder (2^27). */
export const MAX_ZSTD_WINDOW_LOG = 27
export const MAX_ZSTD_WINDOW = 2 ** MAX_ZSTD_WINDOW_LOG
const ZSTD_MAX_BLOCK = 128 * 1024
const ZSTD_MAGIC = 0xfd2fb528

const MiB = 2 ** 20
const mebibytes = (bytes: number): string => (bytes >= 1024 * MiB ? `${+(bytes / 1024 / MiB).toFixed(1)} GiB` : `${+(bytes / MiB).toFixed(1)} MiB`)

const enum FrameState {
  Magic,
  SkippableSize,
  Descriptor,
  Header,
  BlockHeader,
  Skip
}

/**
 * Walks the frames of a zstd stream by their headers, without decoding: it refuses a window
 * beyond MAX_ZSTD_WINDOW before a decoder allocates it, a dictionary a layer cannot come with, and
 * bytes that are not a frame (after the last one too). The work is per block, not per byte.
 */
export class ZstdFrameCheck {
  private state = FrameState.Magic
  private readonly field = Buffer.alloc(16)
  private fieldFill = 0
  private fieldSize = 4
  private skipBytes = 0
  private afterSkip = FrameState.Magic
  private descriptor = 0
  private frameStart = 0
  /** Compressed bytes seen. */
  bytes = 0

  check(chunk: Uint8Array): void {
    let pos = 0
    while (pos < chunk.length) {
      if (this.state === FrameState.Skip) {
        const step = Math.min(this.skipBytes, chunk.length - pos)
        this.skipBytes -= step
        pos += step
        if (this.skipBytes === 0) this.state = this.afterSkip
        continue
      }
      const step = Math.min(this.fieldSize - this.fieldFill, chunk.length - pos)
      this.field.set(chunk.subarray(pos, pos + step), this.fieldFill)
      this.fieldFill += step
      pos += step
      if (this.fieldFill === this.fieldSize) {
        this.fieldFill = 0
        this.takeField(this.bytes + pos - this.fieldSize)
      }
    }
    this.bytes += chunk.length
  }

  /** Checks that the stream stopped between frames. */
  end(): void {
    if (this.state !== FrameState.Magic || this.fieldFill > 0) {
      throw new LayerDecompressError(`the zstd stream ends inside the frame that starts at byte ${this.frameStart}: the layer blob is truncated`)
    }
  }

  private expect(state: FrameState, size: number): void {
    this.state = state
    this.fieldSize = size
  }

  private skip(bytes: number, then: FrameState): void {
    this.afterSkip = then
    if (bytes === 0) {
      this.expect(then, then === FrameState.Magic ? 4 : 3)
      return
    }
    this.state = FrameState.Skip
    this.skipBytes = bytes
    this.fieldSize = then === FrameState.Magic ? 4 : 3
  }

  private takeField(position: number): void {
    const field = this.field
    switch (this.state) {
      case FrameState.Magic: {
        this.frameStart = position
        const magic = field.readUInt32LE(0)
        if (magic === ZSTD_MAGIC) this.expect(FrameState.Descriptor, 1)
        else if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) this.expect(FrameState.SkippableSize, 4)
        else throw new LayerDecompressError(`the bytes at ${position} of the zstd stream are not a zstd frame`)
        return
      }
      case FrameState.SkippableSize:
        this.skip(field.readUInt32LE(0), FrameState.Magic)
        return
      case FrameState.Descriptor: {
        const descriptor = field[0]
        if (descriptor & 0x08) throw new LayerDecompressError(`the zstd frame at byte ${this.frameStart} sets a reserved bit: the data is corrupt`)
        this.descriptor = descriptor
        const singleSegment = (descriptor >> 5) & 1
        const contentSizeFlag = descriptor >> 6
        const size = (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3] + (contentSizeFlag ? 1 << contentSizeFlag : singleSegment)
        this.expect(FrameState.Header, size)
        return
      }
      case FrameState.Header:
        this.checkFrameHeader()
        this.expect(FrameState.BlockHeader, 3)
        return
      case FrameState.BlockHeader: {
        const header = field[0] | (field[1] << 8) | (field[2] << 16)
        const last = header & 1
        const type = (header >> 1) & 3
        const size = header >>> 3
        if (type === 3 || size > ZSTD_MAX_BLOCK) {
          throw new LayerDecompressError(`the zstd block at byte ${position} is invalid (type ${type}, ${size} bytes): the data is corrupt`)
        }
        const checksum = (this.descriptor >> 2) & 1
        this.skip(type === 1 ? 1 : size, last ? FrameState.Magic : FrameState.BlockHeader)
        if (last && checksum) this.skipChecksum()
        return
      }
    }
  }

  /** A checksum of 4 bytes follows the last block: skipped once the block content is. */
  private skipChecksum(): void {
    if (this.state === FrameState.Skip) this.skipBytes += 4
    else this.skip(4, FrameState.Magic)
  }

  private checkFrameHeader(): void {
    const descriptor = this.descriptor
    const field = this.field
    const singleSegment = (descriptor >> 5) & 1
    let at = 0
    let window = 0
    if (!singleSegment) {
      const exponent = field[0] >> 3
      const base = 2 ** (10 + exponent)
      window = base + (base / 8) * (field[0] & 7)
      at = 1
    }
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]
    let dictionary = 0
    for (let i = dictionaryBytes - 1; i >= 0; i--) dictionary = dictionary * 256 + field[at + i]
    at += dictionaryBytes
    if (dictionary !== 0) {
      throw new LayerDecompressError(`the zstd frame at byte ${this.frameStart} needs dictionary ${dictionary}, which a layer cannot come with`)
    }
    const contentSizeFlag = descriptor >> 6
    const contentBytes = contentSizeFlag ? 1 << contentSizeFlag : singleSegment
    let contentSize = 0
    for (let i = contentBytes - 1; i >= 0; i--) contentSize = contentSize * 256 + field[at + i]
    if (contentSizeFlag === 1) contentSize += 256
    // A single-segment frame is decoded in one buffer of its whole content.
    if (singleSegment) window = contentSize
    if (window > MAX_ZSTD_WINDOW) {
      throw new LayerDecompressError(
        `the zstd frame at byte ${this.frameStart} needs a ${mebibytes(window)} window, beyond the ${mebibytes(MAX_ZSTD_WINDOW)} a decoder allows (zstd's default limit)`
      )
    }
  }
}

const FZSTD_MESSAGES: Record<number, string> = { 5: 'the zstd stream ends early: the layer blob is truncated' }

/** zstd through pure JS where Node's zlib lacks it (Node 20); fzstd decodes frame by frame. */
class PortableZstdDecompress extends Transform {
  private readonly frames = new ZstdFrameCheck()
  private readonly decoder = new ZstdStream((data: Uint8Array) => {
    // fzstd may reuse its output window: copy what leaves it.
    this.push(Buffer.from(data))
  })
  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.frames.check(chunk)
      this.decoder.push(chunk)
      done()
    } catch (error) {
      done(this.describe(error as Error))
    }
  }
  _flush(done: TransformCallback): void {
    try {
      this.frames.end()
      this.decoder.push(new Uint8Array(0), true)
      done()
    } catch (error) {
      done(this.describe(error as Error))
    }
  }
  private describe(error: Error): Error {
    if (error instanceof LayerDecompressError) return error
    const code = (error as { code?: unknown }).code
    const known = typeof code === 'number' ? FZSTD_MESSAGES[code] : undefined
    return new LayerDecompressError(known ?? `the zstd data is corrupt near compressed byte ${this.frames.bytes} (${error.message})`)
  }
}

/** Runs the frame check on the compressed bytes before they reach Node's own zstd decoder. */
class ZstdFrameGate extends Transform {
  private readonly frames = new ZstdFrameCheck()
  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.frames.check(chunk)
      done(null, chunk)
    } catch (error) {
      done(error as Error)
    }
  }
  _flush(done: TransformCallback): void {
    try {
      this.frames.end()
      done()
    } catch (error) {
      done(error as Error)
    }
  }
}

/** Gives zlib's errors (gzip, native zstd) a message that says what is wrong with the layer blob. */
function withClearErrors<T extends zlib.Gunzip>(decoder: T, format: string): T {
  const destroy = decoder._destroy.bind(decoder)
  decoder._destroy = (error, callback) => {
    destroy(error, final => callback(final ? describeZlibError(final, format) : final))
  }
  return decoder
}

function describeZlibError(error: Error, format: string): Error {
  if (error instanceof LayerDecompressError) return error
  const code = (error as { code?: string }).code
  if (code === 'Z_BUF_ERROR') return new LayerDecompressError(`the ${format} stream ends early (${error.message}): the layer blob is truncated`)
  if (code === undefined || !/^(Z_|ZSTD_)/.test(code)) return error
  const what =
    error.message === 'incorrect header check'
      ? `the layer blob is not ${format} data, or has bytes after its end that are not`
      : `the ${format} data of the layer blob is corrupt`
  return new LayerDecompressError(`${what} (${error.message})`)
}

// In Node since 16.9, missing from the types of Node 20.
const compose = (stream as unknown as { compose: (...streams: stream.Duplex[]) => stream.Duplex }).compose

interface ZstdOptions {
  chunkSize: number
  params?: Record<number, number>
}
type ZstdFactory = (options: ZstdOptions) => zlib.Gunzip
const nativeZstd = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress
const windowLogMax = (zlib.constants as unknown as Record<string, number | undefined>).ZSTD_d_windowLogMax

/** The transform that turns a layer blob into its tar stream, or undefined for an uncompressed layer. */
export function decompressor(compression: Compression): Duplex | undefined {
  switch (compression) {
    case 'gzip':
      return withClearErrors(zlib.createGunzip({ chunkSize: ZLIB_CHUNK }), 'gzip')
    case 'zstd': {
      if (!nativeZstd) return new PortableZstdDecompress()
      const params = windowLogMax === undefined ? undefined : { [windowLogMax]: MAX_ZSTD_WINDOW_LOG }
      return compose(new ZstdFrameGate(), withClearErrors(nativeZstd({ chunkSize: ZLIB_CHUNK, params }), 'zstd'))
    }
    case 'none':
      return undefined
  }
}
