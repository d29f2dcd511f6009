import { Transform, type TransformCallback } from 'node:stream'
import * as zlib from 'node:zlib'
import { Decompress as ZstdStream } from 'fzstd'

export type Compression = 'gzip' | 'zstd' | 'none'

export class UnsupportedLayerError extends Error {}

/** A layer's compression, from its media type (OCI `+gzip`/`+zstd`, Docker `.tar.gzip`, plain `tar`). */
export function compressionOf(mediaType: string): Compression {
  if (/(\+|\.)gzip$/.test(mediaType)) return 'gzip'
  if (/(\+|\.)zstd$/.test(mediaType)) return 'zstd'
  if (/(\.|\/)tar$|\.tar$|\.v1\.tar$/.test(mediaType) || mediaType.endsWith('.diff.tar')) return 'none'
  throw new UnsupportedLayerError(`unsupported layer media type "${mediaType}"`)
}

const ZLIB_CHUNK = 256 * 1024

/** zstd through pure JS where Node's zlib lacks it (Node 20); fzstd decodes frame by frame. */
class PortableZstdDecompress extends Transform {
  private readonly decoder = new ZstdStream((data: Uint8Array) => {
    // fzstd may reuse its output window: copy what leaves it.
    this.push(Buffer.from(data))
  })
  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.push(chunk)
      done()
    } catch (error) {
      done(error as Error)
    }
  }
  _flush(done: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true)
      done()
    } catch (error) {
      done(error as Error)
    }
  }
}

type ZstdFactory = (options: { chunkSize: number }) => Transform
const nativeZstd = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress

/** The transform that turns a layer blob into its tar stream, or undefined for an uncompressed layer. */
export function decompressor(compression: Compression): Transform | undefined {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip({ chunkSize: ZLIB_CHUNK })
    case 'zstd':
      return nativeZstd ? nativeZstd({ chunkSize: ZLIB_CHUNK }) : new PortableZstdDecompress()
    case 'none':
      return undefined
  }
}
