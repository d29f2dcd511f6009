// Runs an outside program that must not hold the step forever nor fill its memory: it gets a
// deadline, after which its whole process group is stopped (a wrapper script's children too), and
// only the last part of what it prints is kept.
import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import type { Writable } from 'node:stream'
import type { ExecResult } from './host.js'

/** Of each of stdout and stderr: error messages quote the last lines only. */
const KEPT_OUTPUT = 1 << 20
/** Between asking the program to stop and killing it. */
const GRACE_MS = 3000

/** Keeps the last `limit` characters of a stream. */
class Tail {
  private text = ''
  private readonly decoder = new StringDecoder('utf8')
  constructor(private readonly limit: number) {}
  add(chunk: Buffer): void {
    this.text += this.decoder.write(chunk)
    if (this.text.length > 2 * this.limit) this.text = this.text.slice(-this.limit)
  }
  toString(): string {
    const text = this.text + this.decoder.end()
    return text.length > this.limit ? text.slice(-this.limit) : text
  }
}

export interface DeadlineOptions {
  timeoutMs: number
  cwd?: string
  /** Where the program's output is echoed as it comes. */
  echo?: Writable
}

/** Runs `command` with `args` (no shell); `timedOut` says it was stopped at the deadline. */
export function runWithDeadline(command: string, args: string[], options: DeadlineOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const ownGroup = process.platform !== 'win32'
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup })
    const stdout = new Tail(KEPT_OUTPUT)
    const stderr = new Tail(KEPT_OUTPUT)
    let timedOut = false
    let settled = false
    /** Set once the program exited: undefined before, null when a signal ended it. */
    let exitCode: number | null | undefined
    let graceTimer: NodeJS.Timeout | undefined
    const stop = (signal: NodeJS.Signals): void => {
      try {
        if (ownGroup && child.pid !== undefined) process.kill(-child.pid, signal)
        else child.kill(signal)
      } catch {
        // Already gone.
      }
    }
    // A program in its own group does not die with this process: take it along.
    const onExit = (): void => stop('SIGKILL')
    process.once('exit', onExit)
    const settle = (code: number | null): void => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      clearTimeout(graceTimer)
      process.removeListener('exit', onExit)
      resolve({ exitCode: code ?? 1, stdout: stdout.toString(), stderr: stderr.toString(), ...(timedOut ? { timedOut } : {}) })
    }
    // After a stop, a grandchild outside the group may still hold the pipes open: do not wait for it.
    const settleStopped = (): void => {
      stop('SIGKILL')
      child.stdout.destroy()
      child.stderr.destroy()
      settle(exitCode ?? null)
    }
    const deadline = setTimeout(() => {
      timedOut = true
      stop('SIGTERM')
      graceTimer = setTimeout(() => stop('SIGKILL'), GRACE_MS)
      if (exitCode !== undefined) settleStopped()
    }, options.timeoutMs)
    options.echo?.write(`[command]${command} ${args.join(' ')}\n`)
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.add(chunk)
      options.echo?.write(chunk)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.add(chunk)
      options.echo?.write(chunk)
    })
    child.on('error', error => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      process.removeListener('exit', onExit)
      reject(error)
    })
    child.on('exit', code => {
      exitCode = code
      if (timedOut) settleStopped()
    })
    child.on('close', code => settle(code))
  })
}
