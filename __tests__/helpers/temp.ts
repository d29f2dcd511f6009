import { afterAll } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

/** Makes temporary folders that are removed when the test file's tests are done. */
export function useTempDirs(): (prefix: string) => string {
  const folders: string[] = []
  afterAll(() => {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true })
  })
  return prefix => {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
    folders.push(dir)
    return dir
  }
}
