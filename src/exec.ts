import { getExecOutput } from '@actions/exec'
import { StringDecoder } from 'node:string_decoder'
import { type Readable, Writable } from 'node:stream'
import { spawn } from 'node:child_process'
import type { Exec, ExecOptions, ExecResult, StreamExec } from './host.js'
import { runWithDeadline } from './process.js'

/**
 * Runs programs through @actions/exec: an argv array, no shell, the parent's environment kept whole
 * (buildx reads the runner's ACTIONS_* variables itself), and a non-zero exit returned, not thrown.
 * `echoTo` is where the program's output is echoed (the CLI keeps stdout for its table). A program
 * given a timeout runs under a deadline instead (see runWithDeadline).
 */
export function createExec(echoTo?: Writable): Exec {
  return async (command, args, options = {}) => {
    if (options.readStdout !== undefined) {
      return runReadingStdout(command, args, { ...options, readStdout: options.readStdout }, options.silent ? undefined : (echoTo ?? process.stdout))
    }
    if (options.timeoutMs !== undefined) {
      const echo = options.silent ? undefined : (echoTo ?? process.stdout)
      return runWithDeadline(command, args, { timeoutMs: options.timeoutMs, cwd: options.cwd, echo })
    }
    const result = await getExecOutput(command, args, {
      ignoreReturnCode: true,
      silent: options.silent ?? false,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: { ...(process.env as Record<string, string>), ...options.env } } : {}),
      ...(echoTo ? { outStream: echoTo, errStream: echoTo } : {})
    })
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }
}

/** Of a program whose standard output is read as a stream: the end of its stderr kept (build progress). */
const KEPT_STREAMED_STDERR = 8 * 1024 * 1024
/** Of the stderr before that end: its vertex lines (`#5 [build 2/4] RUN ...`, `#5 CACHED`), which count the steps. */
const KEPT_STATUS_LINES = 2 * 1024 * 1024
/** Between asking a program to stop and killing it, and between its exit and giving up on its stderr. */
const STOP_GRACE_MS = 3000
const STATUS_LINE = /^#\d+ (?!\d+\.\d+ )/

/**
 * Runs a program whose standard output is handed to a reader, with backpressure: the program
 * writes no faster than the reader reads, so nothing of it piles up in memory. Its stderr is echoed
 * and kept (its end, and the status lines before it). When the reader fails, the program is
 * stopped (killed if it does not stop) and the reader's error thrown; when the program fails on
 * its own, its exit code is returned as from any other program.
 */
function runReadingStdout(
  command: string,
  args: string[],
  options: ExecOptions & { readStdout: (stdout: Readable) => Promise<void> },
  echo: NodeJS.WritableStream | undefined
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: { ...process.env, ...options.env } } : {})
    })
    let stderr = ''
    let status = ''
    const decoder = new StringDecoder('utf8')
    echo?.write(`[command]${command} ${args.join(' ')}\n`)
    child.stderr.on('data', (chunk: Buffer) => {
      echo?.write(chunk)
      stderr += decoder.write(chunk)
      if (stderr.length > 2 * KEPT_STREAMED_STDERR) {
        const cut = stderr.indexOf('\n', stderr.length - KEPT_STREAMED_STDERR) + 1
        const dropped = stderr.slice(0, cut).split('\n').filter(line => STATUS_LINE.test(line))
        if (status.length < KEPT_STATUS_LINES) status += dropped.map(line => `${line.slice(0, 512)}\n`).join('')
        stderr = stderr.slice(cut)
      }
    })
    let readerError: Error | undefined
    let stoppedForReader = false
    let killTimer: NodeJS.Timeout | undefined
    const stop = (): void => {
      stoppedForReader = true
      child.kill('SIGTERM')
      killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    }
    let failed: Error | undefined
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(done => {
      child.on('error', error => {
        // A program that never started has no exit to wait for.
        failed ??= error
        if (child.pid === undefined) done({ code: null, signal: null })
      })
      child.once('exit', (code, signal) => done({ code, signal }))
    })
    const reading = options
      .readStdout(child.stdout)
      .catch((error: Error) => {
        readerError = error
        // A reader that failed at the end of the output has not cut the program short: its exit says how it went.
        if (!child.stdout.readableEnded && child.exitCode === null && child.signalCode === null) stop()
      })
      // Whatever the reader left unread must not hold the program (a full pipe) or its close.
      .finally(() => child.stdout.destroy())
    const stderrDone = new Promise<void>(done => child.stderr.once('close', () => done()))
    void Promise.all([exited, reading]).then(async ([{ code, signal }]) => {
      clearTimeout(killTimer)
      // A child of the program may hold stderr open after it exited: its end is not waited for long.
      const grace = setTimeout(() => child.stderr.destroy(), STOP_GRACE_MS)
      await stderrDone
      clearTimeout(grace)
      if (failed && child.pid === undefined) return reject(failed)
      const kept = status + stderr + decoder.end()
      // A program that failed by itself says why, even when the reader then found its output cut short.
      if (readerError && (stoppedForReader || code === 0)) reject(readerError)
      else resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: '', stderr: kept })
    })
  })
}

/** Longest line held back waiting for its end: a secret is masked whole only within a line. */
const HELD_LINE = 64 * 1024

/**
 * A stream that writes to `target` with `mask` applied, line by line so that a secret split
 * between two chunks is still masked (the CLI echoes programs' output through it).
 */
export function maskingStream(target: NodeJS.WritableStream, mask: (text: string) => string): Writable {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += typeof chunk === 'string' ? chunk : decoder.write(chunk)
      const end = pending.length > HELD_LINE ? pending.length : pending.lastIndexOf('\n') + 1
      if (end > 0) {
        target.write(mask(pending.slice(0, end)))
        pending = pending.slice(end)
      }
      done()
    },
    final(done) {
      pending += decoder.end()
      if (pending !== '') target.write(mask(pending))
      pending = ''
      done()
    }
  })
}

/** The end of a program's stderr that is kept for a message. */
const KEPT_STDERR = 64 * 1024

/** Runs a program with its standard output as a stream (no shell, the parent's environment). */
export const spawnStream: StreamExec = (command, args) => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-KEPT_STDERR)
  })
  const finished = new Promise<{ exitCode: number; stderr: string }>(resolve => {
    child.once('error', error => resolve({ exitCode: -1, stderr: error.message }))
    // A program stopped by a signal says nothing of it itself.
    child.once('close', (code, signal) => resolve({ exitCode: code ?? -1, stderr: signal && !stderr.trim() ? `it was stopped by ${signal}` : stderr }))
  })
  return { stdout: child.stdout, finished }
}
