// The digest of a layer blob is computed on worker threads: SHA-256 on the thread that also scans
// the tar costs about a third of the layer read, while the decompression already runs on libuv's
// pool. The bytes are copied into a ring of shared memory (one memcpy per chunk, no allocation)
// and hashed there in order; the ring bounds what is in flight, so a slow worker slows the read
// instead of filling memory.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** Bytes of one blob handed to a worker and not yet hashed: the size of its ring. */
const RING_BYTES = 4 * 2 ** 20
/** Bytes copied into a ring before the worker is told: one message per piece of a network read costs more than its hashing. */
const SEND_BYTES = 256 * 1024
/** Rings of finished blobs, for the next ones. */
const freeRings: SharedArrayBuffer[] = []

// Evaluated as a script so that it runs the same from the sources, the tests and the bundle.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const hashes = new Map()
parentPort.on('message', message => {
  const { id, op } = message
  try {
    if (op === 'start') hashes.set(id, { hash: createHash(message.algorithm), ring: new Uint8Array(message.ring) })
    else if (op === 'data') {
      const job = hashes.get(id)
      job.hash.update(job.ring.subarray(message.start, message.start + message.length))
      parentPort.postMessage({ id, hashed: message.length })
    } else if (op === 'end') {
      const digest = hashes.get(id).hash.digest('hex')
      hashes.delete(id)
      parentPort.postMessage({ id, digest })
    } else if (op === 'drop') hashes.delete(id)
  } catch (error) {
    hashes.delete(id)
    parentPort.postMessage({ id, error: String((error && error.message) || error) })
  }
})
`

interface WorkerReply {
  id: number
  hashed?: number
  digest?: string
  error?: string
}

interface Job {
  onHashed(bytes: number): void
  onDigest(hex: string): void
  onError(error: Error): void
}

class HashThread {
  private readonly worker: Worker
  readonly jobs = new Map<number, Job>()
  failed: Error | undefined

  constructor(private readonly onGone: (thread: HashThread) => void) {
    // Hashing allocates next to nothing on the heap: a small one keeps each thread's memory small.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } })
    this.worker.unref()
    this.worker.on('message', (reply: WorkerReply) => {
      const job = this.jobs.get(reply.id)
      if (!job) return
      if (reply.error !== undefined) {
        this.jobs.delete(reply.id)
        this.settle()
        job.onError(new Error(`hashing a blob failed: ${reply.error}`))
      } else if (reply.digest !== undefined) {
        this.jobs.delete(reply.id)
        this.settle()
        job.onDigest(reply.digest)
      } else if (reply.hashed !== undefined) job.onHashed(reply.hashed)
    })
    const fail = (error: Error): void => {
      this.failed ??= error
      this.onGone(this)
      for (const job of this.jobs.values()) job.onError(new Error(`the hashing thread stopped: ${this.failed.message}`))
      this.jobs.clear()
    }
    this.worker.on('error', fail)
    this.worker.on('exit', code => fail(new Error(`it exited with code ${code}`)))
  }

  /** The thread keeps the process alive only while it has work: an idle pool never holds an exit. */
  private settle(): void {
    if (this.jobs.size === 0) this.worker.unref()
  }

  add(id: number, job: Job, algorithm: string, ring: SharedArrayBuffer): void {
    this.jobs.set(id, job)
    this.worker.ref()
    this.worker.postMessage({ id, op: 'start', algorithm, ring })
  }

  /** The ring's bytes from `start` are the blob's next ones. */
  send(id: number, start: number, length: number): void {
    this.worker.postMessage({ id, op: 'data', start, length })
  }

  end(id: number): void {
    this.worker.postMessage({ id, op: 'end' })
  }

  drop(id: number): void {
    if (!this.jobs.delete(id)) return
    this.settle()
    this.worker.postMessage({ id, op: 'drop' })
  }
}

const threads: HashThread[] = []
let nextId = 1

/**
 * How many hashing threads there may be: one hashes faster than two decompressions produce their
 * input, so one for each two cores beyond the first two, at most 3 (each is an isolate's memory).
 */
export function hashThreadCount(): number {
  return Math.max(1, Math.min(3, Math.floor(availableParallelism() / 2)))
}

function leastBusyThread(): HashThread {
  if (threads.length < hashThreadCount()) {
    const idle = threads.find(thread => thread.jobs.size === 0)
    if (idle) return idle
    const thread = new HashThread(gone => {
      const at = threads.indexOf(gone)
      if (at >= 0) threads.splice(at, 1)
    })
    threads.push(thread)
    return thread
  }
  return threads.reduce((best, thread) => (thread.jobs.size < best.jobs.size ? thread : best))
}

/**
 * One blob's digest, computed on a hashing thread: `update` in the blob's order, then `digest`.
 * `update` returns a promise when too much is in flight; the caller waits for it before the next.
 */
export class OffThreadHash {
  private readonly thread: HashThread
  private readonly id = nextId++
  private readonly ring = freeRings.pop() ?? new SharedArrayBuffer(RING_BYTES)
  private readonly view = new Uint8Array(this.ring)
  private writeAt = 0
  /** Where the bytes copied but not yet handed to the worker start, and how many. */
  private unsentAt = 0
  private unsent = 0
  private inFlight = 0
  private waiting: { resolve: () => void; reject: (error: Error) => void } | undefined
  private result: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined
  private problem: Error | undefined
  private finished: Promise<string> | undefined
  private released = false

  constructor(algorithm: string) {
    this.thread = leastBusyThread()
    this.thread.add(
      this.id,
      {
        onHashed: bytes => {
          this.inFlight -= bytes
          // Woken once half the ring is free, not for every piece.
          if (this.waiting && this.inFlight <= RING_BYTES / 2) {
            const { resolve } = this.waiting
            this.waiting = undefined
            resolve()
          }
        },
        onDigest: hex => {
          this.release()
          this.result?.resolve(hex)
        },
        onError: error => {
          this.problem = error
          this.waiting?.reject(error)
          this.result?.reject(error)
          this.waiting = undefined
        }
      },
      algorithm,
      this.ring
    )
  }

  /** A ring goes back to the pool only once its worker has hashed all of it. */
  private release(): void {
    if (this.released) return
    this.released = true
    freeRings.push(this.ring)
  }

  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.problem) return Promise.reject(this.problem)
    for (let offset = 0; offset < chunk.byteLength; ) {
      const piece = Math.min(RING_BYTES - this.inFlight, chunk.byteLength - offset, RING_BYTES - this.writeAt)
      if (piece === 0) {
        this.send()
        const rest = chunk.subarray(offset)
        return new Promise<void>((resolve, reject) => {
          this.waiting = { resolve: () => void (this.update(rest) ?? Promise.resolve()).then(resolve, reject), reject }
        })
      }
      this.view.set(chunk.subarray(offset, offset + piece), this.writeAt)
      this.writeAt = (this.writeAt + piece) % RING_BYTES
      this.inFlight += piece
      this.unsent += piece
      offset += piece
      // A message per range, never across the ring's end.
      if (this.unsent >= SEND_BYTES || this.writeAt === 0) this.send()
    }
    return undefined
  }

  private send(): void {
    if (this.unsent === 0) return
    this.thread.send(this.id, this.unsentAt, this.unsent)
    this.unsentAt = this.writeAt
    this.unsent = 0
  }

  /** The hex digest of everything passed to `update`. */
  digest(): Promise<string> {
    this.finished ??= new Promise<string>((resolve, reject) => {
      if (this.problem) {
        reject(this.problem)
        return
      }
      this.result = { resolve, reject }
      this.send()
      this.thread.end(this.id)
    })
    return this.finished
  }

  /** Stops hashing a blob that will not be read to its end (its ring is not reused: the worker may still read it). */
  abandon(): void {
    if (this.finished === undefined) this.thread.drop(this.id)
  }
}
