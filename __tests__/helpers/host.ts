import * as path from 'node:path'
import { createExec } from '../../src/exec.js'
import { systemClock, type AnnotationProperties, type Host } from '../../src/host.js'
import type { Deps } from '../../src/main.js'
import { tempDir } from './temp.js'

/**
 * Folders and side effects of a test run: its own temporary root, a Trivy folder inside it, and
 * no real waiting. Tests that do not scan pass scan: false (no Trivy can be downloaded here).
 */
export function testDeps() {
  const tempRoot = tempDir('image-budget-run-')
  return {
    tempRoot,
    toolDir: path.join(tempRoot, 'trivy', 'bin'),
    trivyCacheDir: path.join(tempRoot, 'trivy', 'cache'),
    sleep: async () => undefined,
    fetch: globalThis.fetch
  }
}

/** The deps of a run against the real engine, in `cwd`, echoing programs' output to stderr. */
export function depsFor(cwd: string, extra: Partial<Deps> = {}): Deps {
  return { exec: createExec(process.stderr), clock: systemClock, env: process.env, cwd, ...testDeps(), ...extra }
}

/** A host that records what a run reported, for assertions. */
export class RecordingHost implements Host {
  readonly lines: string[] = []
  readonly notices: string[] = []
  readonly warnings: Array<{ message: string; properties?: AnnotationProperties }> = []
  readonly errors: Array<{ message: string; properties?: AnnotationProperties }> = []
  readonly outputs = new Map<string, string>()
  readonly secrets: string[] = []
  readonly groups: string[] = []
  presented: { markdown: string; text: string } | undefined

  info(message: string): void {
    this.lines.push(message)
  }
  notice(message: string): void {
    this.notices.push(message)
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.warnings.push({ message, properties })
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.errors.push({ message, properties })
  }
  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.groups.push(name)
    return work()
  }
  setOutput(name: string, value: string): void {
    this.outputs.set(name, value)
  }
  setSecret(value: string): void {
    this.secrets.push(value)
  }
  async present(markdown: string, text: string): Promise<void> {
    this.presented = { markdown, text }
  }
}
