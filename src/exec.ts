import { getExecOutput } from '@actions/exec'
import type { Writable } from 'node:stream'
import type { Exec } from './host.js'

/**
 * Runs programs through @actions/exec: an argv array, no shell, the parent's environment kept whole
 * (buildx reads the runner's ACTIONS_* variables itself), and a non-zero exit returned, not thrown.
 * `echoTo` is where the program's output is echoed (the CLI keeps stdout for its table).
 */
export function createExec(echoTo?: Writable): Exec {
  return async (command, args, options = {}) => {
    const result = await getExecOutput(command, args, {
      ignoreReturnCode: true,
      silent: options.silent ?? false,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(echoTo ? { outStream: echoTo, errStream: echoTo } : {})
    })
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }
}
