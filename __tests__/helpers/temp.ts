import { mkdtempSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

/** The folders tempDir made in this test file that are still there (each test file has its own modules). */
const made = new Set<string>()

/**
 * A new folder in the system's temporary folder, named `prefix` and six random characters. It is
 * removed once the test file's tests are done, whether they passed or failed (__tests__/setup.ts).
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  made.add(dir)
  return dir
}

/** Removes a folder tempDir made now, for one that is done with before its test file is. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  made.delete(dir)
}

/** Removes every folder tempDir made that is still there. */
export function removeTempDirs(): void {
  for (const dir of made) removeTempDir(dir)
}
