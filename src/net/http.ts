// Outbound HTTP that a broken or hostile server can neither hang nor trick: every attempt has a
// deadline for its response and a floor for the pace of its body, failures worth another try are
// retried with backoff (as long as the server's Retry-After asks, within bounds), and redirects are
// followed by hand so that credentials only ever reach the origin they belong to.

import { Readable, Transform, type TransformCallback } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { formatSize } from '../config/size.js'
import { setTimeout as sleep } from 'node:timers/promises'

export interface HttpLimits {
  /** Connecting and receiving the response headers, per attempt (redirects included). */
  responseTimeoutMs: number
  /** A body that brings less than minBytesPerSecond over this long is given up (nothing at all, or a trickle). */
  idleTimeoutMs: number
  minBytesPerSecond: number
  /** Further attempts after a network failure, a timeout, 429 or 5xx. */
  retries: number
  /** The first backoff; each further one doubles. */
  retryDelayMs: number
  /** The longest single wait: a Retry-After asking for more gives up at once. */
  maxRetryDelayMs: number
  /** The longest one call may take with all its attempts (a streamed body runs past it, under the pace floor). */
  totalTimeoutMs: number
  maxRedirects: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  responseTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  minBytesPerSecond: 1024,
  retries: 4,
  retryDelayMs: 1000,
  maxRetryDelayMs: 60_000,
  totalTimeoutMs: 300_000,
  maxRedirects: 5
}

/** A failure of one attempt; `retryable` when another attempt may well succeed. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status = 0,
    readonly retryAfterMs?: number
  ) {
    super(message)
  }
}

export class TooLargeError extends Error {}

/** Reads a stream into memory, failing as soon as it passes `limit` bytes. */
export async function readCapped(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  try {
    for await (const chunk of stream) {
      length += (chunk as Buffer).length
      if (length > limit) throw new TooLargeError(`${what} is larger than ${formatSize(limit)}, the most that is read`)
      chunks.push(chunk as Buffer)
    }
  } finally {
    stream.destroy()
  }
  return Buffer.concat(chunks)
}

export const seconds = (ms: number): string => `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`

/** Statuses where the server says it could not serve now: 429 and 5xx but 501 (it never will). */
export const isRetryableStatus = (status: number): boolean => status === 429 || (status >= 500 && status <= 599 && status !== 501)

/** Retry-After in seconds or as an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries or the total time run out.
 * `remainingMs` tells each attempt how much of the total time is left.
 */
export async function withRetries<T>(limits: HttpLimits, attempt: (remainingMs: number) => Promise<T>): Promise<T> {
  const started = Date.now()
  for (let attempts = 1; ; attempts++) {
    const remaining = limits.totalTimeoutMs - (Date.now() - started)
    try {
      return await attempt(Math.max(1, remaining))
    } catch (error) {
      if (!(error instanceof HttpFailure) || !error.retryable) throw error
      const elapsed = Date.now() - started
      const tried = `${attempts} attempt${attempts === 1 ? '' : 's'} over ${seconds(elapsed)}`
      const wait = error.retryAfterMs ?? limits.retryDelayMs * 2 ** (attempts - 1)
      if (attempts > limits.retries) throw new HttpFailure(`${error.message} (gave up after ${tried})`, false, error.status)
      if (wait > limits.maxRetryDelayMs || elapsed + wait >= limits.totalTimeoutMs) {
        throw new HttpFailure(`${error.message} (gave up after ${tried}: the next try would be in ${seconds(wait)}, past the ${seconds(Math.min(limits.maxRetryDelayMs, limits.totalTimeoutMs))} allowed)`, false, error.status)
      }
      await sleep(wait)
    }
  }
}

export interface Exchange {
  response: Response
  /** Where the response came from, after redirects. */
  url: URL
  /** Aborts the exchange, body included. */
  controller: AbortController
}

export interface SendOptions {
  fetch: typeof fetch
  limits: HttpLimits
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Sent only to `credentialsOrigin`: never to a host a redirect leads to. */
  authorization?: string
  credentialsOrigin?: string
  /** Names the call in messages, e.g. `GET /v2/app/manifests/1 from registry.example`. */
  describe: string
  /** The deadline for the headers, when the total time left is shorter than responseTimeoutMs. */
  timeoutMs?: number
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * One attempt: sends the request and follows redirects by hand, up to maxRedirects, until the
 * response headers arrive or the deadline passes. The body is left to the caller (see watchBody).
 */
export async function send(url: URL, options: SendOptions): Promise<Exchange> {
  const controller = new AbortController()
  const timeoutMs = Math.min(options.limits.responseTimeoutMs, options.timeoutMs ?? Infinity)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  let current = url
  let method = options.method ?? 'GET'
  let body = options.body
  try {
    for (let redirects = 0; ; redirects++) {
      const headers: Record<string, string> = { ...options.headers }
      if (options.authorization && current.origin === options.credentialsOrigin) headers.Authorization = options.authorization
      let response: Response
      try {
        response = await options.fetch(current, { method, headers, body, redirect: 'manual', signal: controller.signal })
      } catch (error) {
        if (timedOut) throw new HttpFailure(`${options.describe}: no response from ${current.host} within ${seconds(timeoutMs)}`, true)
        const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message
        throw new HttpFailure(`${options.describe}: cannot reach ${current.host} (${cause})`, true)
      }
      const location = response.headers.get('location')
      if (!REDIRECTS.has(response.status) || location === null) return { response, url: current, controller }
      await response.body?.cancel().catch(() => undefined)
      if (redirects >= options.limits.maxRedirects) throw new HttpFailure(`${options.describe}: more than ${options.limits.maxRedirects} redirects (the last to ${location})`, false)
      let next: URL
      try {
        next = new URL(location, current)
      } catch {
        throw new HttpFailure(`${options.describe}: ${current.host} redirects to "${location}", which is not a URL`, false)
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new HttpFailure(`${options.describe}: ${current.host} redirects to ${next.protocol} URLs, which are not followed`, false)
      // As browsers do: a 303, or a 301/302 of a POST, turns into a GET without a body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET'
        body = undefined
      }
      current = next
    }
  } catch (error) {
    controller.abort()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The response body as a stream that fails when the server stops sending, or sends less than
 * minBytesPerSecond over an idleTimeoutMs window. A window where the data waits on the reader
 * (a slow consumer) does not count against the server.
 */
export function watchBody(exchange: Exchange, limits: HttpLimits, describe: string): Readable {
  const { response, controller } = exchange
  if (!response.body) return Readable.from([])
  const input = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>, { highWaterMark: 1 << 20 })
  const leastBytes = Math.max(1, Math.ceil((limits.minBytesPerSecond * limits.idleTimeoutMs) / 1000))
  let windowBytes = 0
  let total = 0
  let failed = false
  const watch = new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      windowBytes += chunk.length
      total += chunk.length
      done(null, chunk)
    }
  })
  const fail = (message: string): void => {
    failed = true
    watch.destroy(new HttpFailure(`${describe}: ${message}`, true))
    controller.abort()
  }
  const timer = setInterval(() => {
    if (watch.readableLength > 0 || input.readableLength > 0) {
      windowBytes = 0
      return
    }
    if (windowBytes === 0) fail(`${exchange.url.host} sent nothing for ${seconds(limits.idleTimeoutMs)} (after ${total} bytes)`)
    else if (windowBytes < leastBytes) fail(`${exchange.url.host} sent only ${windowBytes} bytes in ${seconds(limits.idleTimeoutMs)}, under the ${limits.minBytesPerSecond} bytes per second that are waited for`)
    windowBytes = 0
  }, limits.idleTimeoutMs)
  timer.unref()
  input.on('error', error => {
    if (!failed) watch.destroy(new HttpFailure(`${describe}: the connection to ${exchange.url.host} broke after ${total} bytes (${(error as Error).message})`, true))
  })
  watch.on('close', () => {
    clearInterval(timer)
    input.destroy()
    if (!input.readableEnded) controller.abort()
  })
  return input.pipe(watch)
}
