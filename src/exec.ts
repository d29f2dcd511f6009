import { getExecOutput } from '@actions/exec'
import { StringDecoder } from 'node:string_decoder'
import { Writable } from 'node:stream'
import { spawn } from 'node:child_process'
import type { Exec, StreamExec } from './host.js'
import { runWithDeadline } from './process.js'

/**
 * Runs programs through @actions/exec: an argv array, no shell, the parent's environment kept whole
 * (buildx reads the runner's ACTIONS_* variables itself), and a non-zero exit returned, not thrown.
 * `echoTo` is where the program's output is echoed (the CLI keeps stdout for its table). A program
 * given a timeout runs under a deadline instead (see runWithDeadline).
 */
export function createExec(echoTo?: Writable): Exec {
  return async (command, args, options = {}) => {
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
    child.once('close', code => resolve({ exitCode: code ?? -1, stderr }))
  })
  return { stdout: child.stdout, finished }
}
