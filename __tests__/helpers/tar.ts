import { execFileSync } from 'node:child_process'
import { linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
export { ustarHeader as handHeader, sealHeader } from '../../__fixtures__/tar-header.js'

export const LONG_DIR = `deep/${'d'.repeat(120)}/${'e'.repeat(80)}`

export interface TreeFile {
  path: string
  bytes: number
}

/**
 * Writes a small file tree with the cases a layer tar has: nested folders, a path over 100
 * characters, a symlink and a hard link (whose bytes a layer stores once).
 */
export function makeTree(root: string, files: TreeFile[]): void {
  for (const file of files) {
    const target = path.join(root, file.path)
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, Buffer.alloc(file.bytes, 0x61))
  }
}

export function sampleTree(): { root: string; files: TreeFile[]; regularBytes: number } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'image-budget-tree-'))
  const files = [
    { path: 'app/main.js', bytes: 12_345 },
    { path: 'app/empty.txt', bytes: 0 },
    { path: `${LONG_DIR}/long-name-${'x'.repeat(60)}.bin`, bytes: 70_000 },
    { path: 'usr/lib/libbig.so', bytes: 1_048_577 }
  ]
  makeTree(root, files)
  symlinkSync('main.js', path.join(root, 'app/link.js'))
  linkSync(path.join(root, 'app/main.js'), path.join(root, 'app/hard.js'))
  return { root, files, regularBytes: files.reduce((sum, file) => sum + file.bytes, 0) }
}

/** Makes a tar of a folder with GNU tar, in the given format. */
export function gnuTar(root: string, format: 'pax' | 'gnu' | 'ustar'): Buffer {
  // Fixed times and owners: the same tree always makes the same tar, so layers keep their digests.
  // PAX headers carry access and change times and, by default, the process ID in their names.
  const pax = format === 'pax' ? ['--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'] : []
  const args = ['--format', format, ...pax, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner']
  return execFileSync('tar', [...args, '-C', root, '-cf', '-', '.'], { maxBuffer: 1 << 28 })
}

export function zstdCompress(data: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 28 })
}
