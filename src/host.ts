import type { Readable } from 'node:stream'
// The side effects of a run, behind small interfaces: the action and the CLI each provide their own,
// and tests pass fakes that record what happened.

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
  /** The program was stopped at its deadline (ExecOptions.timeoutMs). */
  timedOut?: boolean
}

export interface ExecOptions {
  /** Keep the command's output out of the log (it is still returned). */
  silent?: boolean
  /** The working directory; relative paths in the arguments resolve against it. */
  cwd?: string
  /** Stop the program (and its children) after this long; only part of its output is kept. */
  timeoutMs?: number
  /** Variables added to the program's environment (bake reads its variables there). */
  env?: Record<string, string>
  /**
   * Reads the program's standard output as it comes, at the pace it reads (a build's image export),
   * instead of it being kept: the result's stdout is then empty. A reader that fails stops the
   * program, and its error is what the call throws.
   */
  readStdout?: (stdout: Readable) => Promise<void>
}

/** Runs a program with an argv array (never through a shell) and never throws on a non-zero exit. */
export type Exec = (command: string, args: string[], options?: ExecOptions) => Promise<ExecResult>

/** Runs a program whose standard output is read as it comes; `finished` gives its exit code and the end of its stderr. */
export type StreamExec = (command: string, args: string[]) => { stdout: Readable; finished: Promise<{ exitCode: number; stderr: string }> }

export interface AnnotationProperties {
  file?: string
  startLine?: number
  title?: string
}

/** Where a run reports to: the Actions log, outputs and job summary, or a terminal. */
export interface Host {
  info(message: string): void
  notice(message: string, properties?: AnnotationProperties): void
  warning(message: string, properties?: AnnotationProperties): void
  error(message: string, properties?: AnnotationProperties): void
  group<T>(name: string, work: () => Promise<T>): Promise<T>
  setOutput(name: string, value: string): void
  /** Masks a value in everything the host prints from now on. */
  setSecret(value: string): void
  /** Shows the finished report: the job summary on GitHub, a table in a terminal. */
  present(markdown: string, text: string): Promise<void>
}

export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
