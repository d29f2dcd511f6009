// Outputs (report, comment, SARIF, the kept baseline) go to paths that inputs name or that names
// derive, sometimes in folders others can write to. A write never follows a symbolic link: the
// data goes to a new file made in the target's own folder (O_EXCL, O_NOFOLLOW) that then replaces
// the target by rename, which replaces a link rather than writing through it. Writes stay inside
// the workspace and the temporary folder, whatever `..` or links the path holds.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises'
import * as path from 'node:path'
import { kindOf } from './safe-read.js'

export class FileWriteError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FileWriteError'
  }
}

/** What a write may touch, and what it is called in messages (`the report`, `the SARIF file`). */
export interface WriteTarget {
  /** Folders the written file must be inside, once every link of its folder is resolved. */
  roots: readonly string[]
  what: string
  /** Of a new file; 0o600 instead in a folder anyone can write to. */
  mode?: number
}

/**
 * The folders a run writes into: the workspace (GITHUB_WORKSPACE, and the working folder, which is
 * where the CLI runs) and the run's temporary root (RUNNER_TEMP; the system's temporary folder for
 * the CLI, where its work folders are made: a path there must be named with an input).
 */
export function writeRoots(deps: { cwd: string; tempRoot: string; env: NodeJS.ProcessEnv }): string[] {
  return [deps.env.GITHUB_WORKSPACE, deps.cwd, deps.tempRoot].filter((root): root is string => Boolean(root))
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0)

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'the path has a loop of symbolic links'
}

class Refused extends Error {}

const isInside = (file: string, root: string): boolean => {
  const relative = path.relative(root, file)
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative))
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  const resolved = await Promise.all(roots.map(root => realpath(root).catch(() => undefined)))
  return resolved.filter((root): root is string => root !== undefined)
}

/** The nearest folder of `dir` that exists, links resolved. */
async function nearestExisting(dir: string): Promise<string> {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      return await realpath(current)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(current) === current) throw error
    }
  }
}

/** Makes the target's folder once its existing part is known to be inside a root; returns it, resolved. */
async function confinedFolder(dir: string, roots: readonly string[]): Promise<string> {
  const allowed = await realRoots(roots)
  const check = (real: string): void => {
    if (!allowed.some(root => isInside(real, root))) {
      throw new Refused(`its folder ${real} is outside the workspace and the temporary folder (${allowed.join(', ') || 'none exists'})`)
    }
  }
  check(await nearestExisting(dir))
  await mkdir(dir, { recursive: true }).catch(error => {
    // mkdir says EEXIST when a part of the path is a file.
    throw (error as NodeJS.ErrnoException).code === 'EEXIST' ? Object.assign(new Error(), { code: 'ENOTDIR' }) : error
  })
  const real = await realpath(dir)
  check(real)
  return real
}

/** Writes `data` to `file` as described above; any failure is a FileWriteError naming the path and the cause. */
export async function writeFileSafely(file: string, data: string, target: WriteTarget): Promise<void> {
  const absolute = path.resolve(file)
  let temporary: string | undefined
  try {
    const folder = await confinedFolder(path.dirname(absolute), target.roots)
    const final = path.join(folder, path.basename(absolute))
    const existing = await lstat(final).catch(error => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    })
    if (existing && !existing.isFile()) throw new Refused(`it is ${kindOf(existing)}`)
    const shared = ((await stat(folder)).mode & 0o002) !== 0
    temporary = path.join(folder, `.${path.basename(absolute)}.${randomBytes(6).toString('hex')}.tmp`)
    const handle = await open(temporary, WRITE_FLAGS, shared ? 0o600 : (target.mode ?? 0o644))
    try {
      await handle.writeFile(data)
    } finally {
      await handle.close()
    }
    await rename(temporary, final)
    temporary = undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const said = (error as Error).message.replace(/^[A-Z]+: /, '')
    const cause = error instanceof Refused ? error.message : code ? `${code}: ${CAUSES[code] ?? said}` : said
    throw new FileWriteError(`Cannot write ${target.what} ${absolute}: ${cause}`)
  } finally {
    if (temporary) await unlink(temporary).catch(() => undefined)
  }
}
