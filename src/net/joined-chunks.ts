import { Transform, type TransformCallback } from 'node:stream'

/**
 * The size pieces of a stream are joined into before decompression. Pipes and sockets give 64
 * KiB at most; each piece is a round trip to zlib's thread and a call on every stream on the way,
 * so joined into larger ones a layer costs a quarter of them, for one copy.
 */
export const JOINED_CHUNK_BYTES = 512 * 1024

/** Gathers small chunks until they make JOINED_CHUNK_BYTES; a large chunk passes as it is. */
export class ChunkJoiner {
  private pending: Buffer[] = []
  private pendingBytes = 0

  /** The joined piece once there is enough, else undefined (the chunk is kept). */
  add(chunk: Buffer): Buffer | undefined {
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    return this.pendingBytes >= JOINED_CHUNK_BYTES ? this.take() : undefined
  }

  /** What is kept, at the end of the stream. */
  take(): Buffer | undefined {
    if (this.pendingBytes === 0) return undefined
    const piece = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    return piece
  }
}

/** A stream of the same bytes in pieces of JOINED_CHUNK_BYTES or more (the last one may be less). */
export function joinedChunks(): Transform {
  const joiner = new ChunkJoiner()
  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      done(null, joiner.add(chunk))
    },
    flush(done: TransformCallback) {
      done(null, joiner.take())
    }
  })
}
