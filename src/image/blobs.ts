import { createReadStream } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import { BLOCK_SIZE, paddedSize, TarFormatError, TarHeaderReader } from './tar.js'
import { layoutRoots } from './layout-roots.js'
import { checkDigest, type Descriptor } from './types.js'
import { BlobIntegrityError, MAX_MANIFEST_BYTES, parseJson, readJsonBlob, verifyBlob } from './verify.js'
import { readCapped } from '../net/http.js'

/** Where an image's blobs come from: an OCI layout (folder or tar) or a registry. */
export interface BlobSource {
  /** Describes the source in messages. */
  readonly label: string
  /** The descriptors the image starts from: index.json's manifests, or a reference's manifest. */
  roots(): Promise<Descriptor[]>
  /** Reads a small JSON blob (index, manifest, config), verified and capped (see verify.ts). */
  readJson<T>(descriptor: Descriptor): Promise<T>
  /**
   * Streams a blob (a layer) without holding it in memory. The stream fails unless the bytes are
   * exactly the descriptor's size and digest, and it ends only once they are verified.
   */
  open(descriptor: Descriptor): Promise<Readable>
}

export class MissingBlobError extends Error {}

function blobPath(digest: string): string {
  const [algorithm, hex] = checkDigest(digest).split(':')
  return `blobs/${algorithm}/${hex}`
}

/** The manifests index.json lists: what the layout starts from (their descriptors are checked by resolveImage). */
async function rootsOf(size: number, open: () => Promise<Readable>, what: string): Promise<Descriptor[]> {
  if (size > MAX_MANIFEST_BYTES) throw new BlobIntegrityError(`${what} is ${size} bytes, more than an index may have`)
  const index = parseJson<{ manifests?: unknown }>(await readCapped(await open(), MAX_MANIFEST_BYTES, what), what)
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests ?? [])) throw new BlobIntegrityError(`${what} has no list of manifests`)
  return (index.manifests ?? []) as Descriptor[]
}

function checkBlobSize(label: string, descriptor: Descriptor, stored: number): void {
  if (stored !== descriptor.size) {
    throw new BlobIntegrityError(`${label}: blob ${descriptor.digest} is ${stored} bytes, but its descriptor declares ${descriptor.size}`)
  }
}

/** An OCI image layout in a folder, as `--output type=oci,tar=false` writes it. */
export class OciDirectorySource implements BlobSource {
  readonly label: string
  constructor(private readonly dir: string) {
    this.label = `OCI layout ${dir}`
  }

  async roots(): Promise<Descriptor[]> {
    const file = path.join(this.dir, 'index.json')
    let size: number
    try {
      size = (await stat(file)).size
    } catch {
      throw new MissingBlobError(`${this.label} has no index.json`)
    }
    return layoutRoots(this.dir, await rootsOf(size, async () => createReadStream(file), `${this.label}: index.json`))
  }

  async readJson<T>(descriptor: Descriptor): Promise<T> {
    return readJsonBlob<T>(() => this.open(descriptor), descriptor, this.label)
  }

  async open(descriptor: Descriptor): Promise<Readable> {
    const file = path.join(this.dir, blobPath(descriptor.digest))
    let stored: number
    try {
      stored = (await stat(file)).size
    } catch {
      throw new MissingBlobError(`${this.label} names blob ${descriptor.digest} but does not contain it`)
    }
    checkBlobSize(this.label, descriptor, stored)
    return verifyBlob(createReadStream(file, { highWaterMark: 1 << 20 }), descriptor, this.label)
  }
}

interface TarMember {
  offset: number
  size: number
}

/**
 * An OCI image layout inside an uncompressed tar, as `docker save` writes it. The tar is indexed by
 * reading its headers only (each one's position follows from the previous size), then blobs are
 * streamed from their offsets: nothing is extracted.
 */
export class OciTarSource implements BlobSource {
  readonly label: string
  private members: Map<string, TarMember> | undefined

  constructor(private readonly file: string) {
    this.label = `image archive ${file}`
  }

  private async index(): Promise<Map<string, TarMember>> {
    if (this.members) return this.members
    const members = new Map<string, TarMember>()
    const handle = await open(this.file, 'r')
    try {
      const { size: fileSize } = await handle.stat()
      const reader = new TarHeaderReader()
      const block = Buffer.alloc(BLOCK_SIZE)
      // An archive may end without its zero blocks, as Go's reader allows, but not inside a header.
      for (let position = 0; position < fileSize; ) {
        await this.readAt(handle, block, position)
        const step = reader.next(block, 0, position)
        position += BLOCK_SIZE
        if (step === 'end') break
        if (step === 'block') continue
        const size = reader.dataBytes
        if (position + size > fileSize) {
          const what = step === 'metadata' ? 'the metadata of an entry' : `entry "${reader.entry.path}"`
          throw new TarFormatError(`${what} needs ${size} bytes at byte ${position}, past the end of the archive (${fileSize} bytes): it is truncated`)
        }
        if (step === 'metadata') {
          const data = Buffer.alloc(size)
          await this.readAt(handle, data, position)
          reader.metadata(data)
        } else if (reader.entry.type === 'file' && reader.entry.sparse === undefined) {
          members.set(reader.entry.path, { offset: position, size })
        }
        position += paddedSize(size)
      }
    } catch (error) {
      if (error instanceof TarFormatError) throw new TarFormatError(`${this.label}: ${error.message}`)
      throw error
    } finally {
      await handle.close()
    }
    this.members = members
    return members
  }

  private async readAt(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
    if (bytesRead !== buffer.length) throw new TarFormatError(`the archive ends at byte ${position + bytesRead}, inside a tar header: it is truncated`)
  }

  private async member(name: string): Promise<TarMember> {
    const member = (await this.index()).get(name)
    if (member === undefined) throw new MissingBlobError(`${this.label} has no ${name}`)
    return member
  }

  private async stream(name: string): Promise<Readable> {
    const { offset, size } = await this.member(name)
    if (size === 0) return Readable.from([])
    return createReadStream(this.file, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 })
  }

  async roots(): Promise<Descriptor[]> {
    return rootsOf((await this.member('index.json')).size, () => this.stream('index.json'), `${this.label}: index.json`)
  }

  async readJson<T>(descriptor: Descriptor): Promise<T> {
    return readJsonBlob<T>(() => this.open(descriptor), descriptor, this.label)
  }

  async open(descriptor: Descriptor): Promise<Readable> {
    const name = blobPath(descriptor.digest)
    checkBlobSize(this.label, descriptor, (await this.member(name)).size)
    return verifyBlob(await this.stream(name), descriptor, this.label)
  }
}
