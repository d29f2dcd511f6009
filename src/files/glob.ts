// Globs of files an input names (`artifacts/**/*.json`), matched by walking the folders below the
// pattern's literal part. Links to folders are not followed (a loop, or a way out of the
// workspace), and the walk stops after a bounded number of entries: a glob over `/` ends.
import { readdir, stat } from 'node:fs/promises'
import * as path from 'node:path'

/** Entries read at most by one glob. */
export const MAX_GLOB_ENTRIES = 200_000
const MAX_DEPTH = 64

export class GlobError extends Error {}

const MAGIC = /[*?[{\\]/
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * A glob as a regular expression over a `/`-separated path: `*` and `?` within a segment, `**` as
 * a whole segment for any number of folders, `[abc]`, `[!abc]`, `{a,b}` and `\` before a literal.
 */
export function globRegExp(pattern: string): RegExp {
  let index = 0
  const compile = (inBraces: boolean): string => {
    let out = ''
    while (index < pattern.length) {
      const char = pattern[index]
      if (inBraces && (char === ',' || char === '}')) return out
      index++
      if (char === '\\' && index < pattern.length) out += escapeRegExp(pattern[index++])
      else if (char === '*' && pattern[index] === '*' && (index === 1 || pattern[index - 2] === '/') && (index + 1 === pattern.length || pattern[index + 1] === '/')) {
        // `**/` is any number of folders; a final `**` is anything below.
        index++
        if (pattern[index] === '/') {
          index++
          out += '(?:[^/]+/)*'
        } else out += '.*'
      } else if (char === '*') out += '[^/]*'
      else if (char === '?') out += '[^/]'
      else if (char === '[') {
        const end = pattern.indexOf(']', index + 1)
        if (end < 0) out += '\\['
        else {
          const negated = pattern[index] === '!' || pattern[index] === '^'
          const members = pattern.slice(negated ? index + 1 : index, end).replace(/[\\\]^]/g, '\\$&')
          out += negated ? `[^/${members}]` : `[${members}]`
          index = end + 1
        }
      } else if (char === '{') {
        const alternatives = [compile(true)]
        while (pattern[index] === ',') {
          index++
          alternatives.push(compile(true))
        }
        if (pattern[index] !== '}') throw new GlobError(`"${pattern}": a { is not closed`)
        index++
        out += `(?:${alternatives.join('|')})`
      } else out += escapeRegExp(char)
    }
    return out
  }
  const source = compile(false)
  return new RegExp(`^${source}$`)
}

/** The pattern's leading segments without wildcards: where the walk starts. */
function literalPrefix(pattern: string): { base: string; rest: string } {
  const segments = pattern.split('/')
  let literal = 0
  while (literal < segments.length - 1 && !MAGIC.test(segments[literal])) literal++
  if (!MAGIC.test(segments[literal])) literal = segments.length
  return { base: segments.slice(0, literal).join('/'), rest: segments.slice(literal).join('/') }
}

const toPosix = (file: string): string => file.split(path.sep).join('/')

/**
 * The regular files (and links) a pattern matches, absolute, sorted. A relative pattern is
 * matched against paths relative to `cwd`; an absolute one against absolute paths.
 */
export async function globFiles(given: string, cwd: string): Promise<string[]> {
  const pattern = given.replace(/^(?:\.\/)+/, '')
  const absolute = path.isAbsolute(pattern)
  const { base, rest } = literalPrefix(pattern)
  const start = path.resolve(cwd, base === '' && absolute ? '/' : base)
  if (rest === '') {
    const found = await stat(start).catch(() => undefined)
    return found?.isFile() ? [start] : []
  }
  const matcher = globRegExp(pattern)
  const shown = (file: string): string => (absolute ? toPosix(file) : toPosix(path.relative(cwd, file)))
  const matches: string[] = []
  let entries = 0
  const walk = async (dir: string, depth: number): Promise<void> => {
    const children = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const child of children) {
      if (++entries > MAX_GLOB_ENTRIES) throw new GlobError(`"${pattern}": more than ${MAX_GLOB_ENTRIES} entries below ${start}; give a narrower glob`)
      const file = path.join(dir, child.name)
      if (child.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(file, depth + 1)
      } else if ((child.isFile() || child.isSymbolicLink()) && matcher.test(shown(file))) matches.push(file)
    }
  }
  await walk(start, 0)
  return matches.sort()
}
