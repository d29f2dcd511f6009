import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { removeTempDir, tempDir } from './helpers/temp.js'

const ROOT = path.resolve(new URL('..', import.meta.url).pathname)

function filesBelow(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? filesBelow(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]
  )
}

describe('dist/', () => {
  it('equals a fresh build of src/ (run npm run build and commit dist/ when this fails)', () => {
    const out = tempDir('image-budget-dist-')
    try {
      execFileSync('bash', ['scripts/build.sh', out], { cwd: ROOT, stdio: 'pipe' })
      const fresh = filesBelow(out).sort()
      expect(filesBelow(path.join(ROOT, 'dist')).sort()).toEqual(fresh)
      for (const file of fresh) {
        const committed = readFileSync(path.join(ROOT, 'dist', file))
        expect({ file, same: committed.equals(readFileSync(path.join(out, file))) }).toEqual({ file, same: true })
      }
    } finally {
      removeTempDir(out)
    }
  }, 180_000)
})
