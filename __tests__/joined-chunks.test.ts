import { describe, expect, it } from '@jest/globals'
import { Readable } from 'node:stream'
import { ChunkJoiner, JOINED_CHUNK_BYTES, joinedChunks } from '../src/net/joined-chunks.js'

async function piecesOf(chunks: Buffer[]): Promise<Buffer[]> {
  const pieces: Buffer[] = []
  for await (const piece of Readable.from(chunks, { objectMode: false }).pipe(joinedChunks())) pieces.push(piece as Buffer)
  return pieces
}

describe('joined chunks', () => {
  it('passes the same bytes in pieces of at least JOINED_CHUNK_BYTES, but the last', async () => {
    const bytes = Buffer.alloc(3 * JOINED_CHUNK_BYTES + 12345)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251
    const chunks: Buffer[] = []
    for (let offset = 0, size = 1; offset < bytes.length; offset += size, size = (size * 3 + 1) % 70000) chunks.push(bytes.subarray(offset, offset + size))
    const pieces = await piecesOf(chunks)
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true)
    expect(pieces.length).toBeLessThan(chunks.length / 10)
    for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(JOINED_CHUNK_BYTES)
    expect(pieces[pieces.length - 1].length).toBeGreaterThan(0)
  })

  it('passes a large chunk as it is, and keeps nothing back of an empty stream', async () => {
    const large = Buffer.alloc(JOINED_CHUNK_BYTES * 2, 1)
    const joiner = new ChunkJoiner()
    expect(joiner.add(large)).toBe(large)
    expect(joiner.take()).toBeUndefined()
    expect(await piecesOf([])).toEqual([])
    const small = Buffer.from('small')
    expect(joiner.add(small)).toBeUndefined()
    expect(joiner.take()).toBe(small)
  })
})
