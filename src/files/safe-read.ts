// Files an input names are the user's, but their path may lead anywhere: to a FIFO that never
// ends, to /dev/zero, to a directory or to a file of gigabytes. Each is checked before it is opened,
// opened so that a FIFO cannot block, checked again through the opened descriptor (the path may
// have changed in between), and read no further than the cap of its kind.
import { constants, type Stats } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'
import { InputError } from '../config/errors.js'
import { formatSize } from '../config/size.js'
import { Input, type InputName } from '../constants.js'

const MiB = 2 ** 20

/** The most bytes read of each kind of file: far above any real one, far below what hurts a runner. */
export const FILE_LIMITS = {
  [Input.BudgetFile]: MiB,
  [Input.File]: 4 * MiB,
  [Input.Baseline]: 32 * MiB,
  [Input.Reports]: 32 * MiB,
  [Input.TrivyReport]: 64 * MiB,
  [Input.Trivyignores]: MiB
} as const satisfies Partial<Record<InputName, number>>

export type LimitedInput = keyof typeof FILE_LIMITS

/** Why a file was not read, in the user's terms; `code` is the system's (ENOENT...) when it gave one. */
export class UnreadableFileError extends Error {
  constructor(
    message: string,
    readonly code?: string
  ) {
    super(message)
    this.name = 'UnreadableFileError'
  }
}

const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)
const CHUNK = 1 << 20

export const formatLimit = (bytes: number): string => (bytes % MiB === 0 ? `${bytes / MiB} MiB` : formatSize(bytes))

export function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link (links are not followed)'
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a named pipe (FIFO)'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  return 'not a regular file'
}

function checkRegular(stats: Stats, limit?: number): void {
  if (!stats.isFile()) throw new UnreadableFileError(`${kindOf(stats)}, not a regular file`)
  if (limit !== undefined && stats.size > limit) {
    throw new UnreadableFileError(`${formatSize(stats.size)}, more than the ${formatLimit(limit)} such a file may hold`)
  }
}

const asUnreadable = (error: unknown): UnreadableFileError => {
  if (error instanceof UnreadableFileError) return error
  const code = (error as NodeJS.ErrnoException).code
  return new UnreadableFileError(code ?? (error as Error).message, code)
}

/** Reads at most `limit` bytes; a file that grew past it since it was checked is refused too. */
async function readAtMost(handle: FileHandle, limit: number, expected: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for (;;) {
    const room = limit + 1 - total
    const chunk = Buffer.allocUnsafe(Math.min(room, Math.max(expected - total + 1, CHUNK)))
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
    if (bytesRead === 0) break
    chunks.push(chunk.subarray(0, bytesRead))
    total += bytesRead
    if (total > limit) throw new UnreadableFileError(`grew past the ${formatLimit(limit)} such a file may hold while it was read`)
  }
  return Buffer.concat(chunks, total)
}

/** The text of a regular file of at most `limit` bytes; anything else is an UnreadableFileError. */
export async function readRegularFile(file: string, limit: number): Promise<string> {
  try {
    checkRegular(await stat(file), limit)
    const handle = await open(file, READ_FLAGS)
    try {
      const opened = await handle.stat()
      checkRegular(opened, limit)
      return (await readAtMost(handle, limit, opened.size)).toString('utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw asUnreadable(error)
  }
}

/** Reads the file an input names, with that input's cap; refusals name the input and its value. */
export async function readInputFile(input: LimitedInput, shown: string, file: string): Promise<string> {
  try {
    return await readRegularFile(file, FILE_LIMITS[input])
  } catch (error) {
    throw new InputError(`Input "${input}": cannot read "${shown}" (${(error as Error).message})`)
  }
}

/** For files another program reads (buildx reads `secret-files`): they only have to be regular files. */
export async function requireRegularFile(input: InputName, shown: string, file: string): Promise<void> {
  try {
    checkRegular(await stat(file))
  } catch (error) {
    throw new InputError(`Input "${input}": cannot use "${shown}" (${asUnreadable(error).message})`)
  }
}
