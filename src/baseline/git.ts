// The commit `baseline: build` builds: the merge base of the pull request's base and HEAD, found in
// the checkout (fetched when a shallow clone lacks it), and checked out in a worktree of its own.
// A base that cannot be found fails the run: comparing with nothing would read as a pass.
import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import * as path from 'node:path'
import type { TreePath } from '../build/args.js'
import type { Exec } from '../host.js'
import { BaselineError } from './baseline.js'

/** How deep a shallow clone is fetched, in turn, to reach the merge base. */
export const FETCH_DEPTHS = [50, 1000] as const

const FULL_HISTORY_HINT = 'check out the full history (actions/checkout with fetch-depth: 0)'

async function git(exec: Exec, cwd: string, args: string[]): Promise<{ ok: boolean; out: string; problem: string }> {
  // Hooks of the checkout never run for the worktree the action makes.
  const result = await exec('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd, silent: true })
  const problem = (result.stderr.trim().split('\n').pop() ?? '') || `exit code ${result.exitCode}`
  return { ok: result.exitCode === 0, out: result.stdout.trim(), problem }
}

/** The top folder of the repository `cwd` is in, with links resolved (as git names it). */
export async function repositoryRoot(exec: Exec, cwd: string): Promise<string> {
  const found = await git(exec, cwd, ['rev-parse', '--show-toplevel'])
  if (!found.ok || found.out === '') throw new BaselineError(`Input "baseline": build needs a Git checkout, and ${cwd} is not in one (${found.problem})`)
  return realpath(found.out)
}

const mergeBaseOf = async (exec: Exec, root: string, base: string): Promise<string | undefined> => {
  const found = await git(exec, root, ['merge-base', base, 'HEAD'])
  return found.ok && /^[0-9a-f]{40,64}$/.test(found.out) ? found.out : undefined
}

/**
 * The merge base of `base` (a commit or a ref) and HEAD. When the clone lacks it, `base` (and in a
 * shallow clone HEAD too) is fetched from origin, deeper in turn; still missing, the error says to
 * fetch the full history.
 */
export async function findMergeBase(exec: Exec, root: string, base: string, log: (message: string) => void): Promise<string> {
  const found = await mergeBaseOf(exec, root, base)
  if (found) return found
  const shallow = (await git(exec, root, ['rev-parse', '--is-shallow-repository'])).out === 'true'
  const hasBase = (await git(exec, root, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`])).ok
  if (!shallow && hasBase) throw new BaselineError(`Input "baseline": build found no common ancestor of ${base} and HEAD: there is no merge base to build`)
  const head = (await git(exec, root, ['rev-parse', 'HEAD'])).out
  const problems: string[] = []
  // A full clone is never made shallow: it fetches what it lacks, whole.
  for (const depth of shallow ? FETCH_DEPTHS : [undefined]) {
    const depthArgs = depth === undefined ? [] : [`--depth=${depth}`]
    log(`Fetching ${base}${shallow ? ` and HEAD ${depth} commits deep` : ''} from origin to find the merge base`)
    const fetched = await git(exec, root, ['fetch', '--no-tags', ...depthArgs, 'origin', base])
    if (!fetched.ok) problems.push(`git fetch origin ${base}: ${fetched.problem}`)
    // A branch name the clone did not know is the commit just fetched.
    const target = fetched.ok && !hasBase ? (await git(exec, root, ['rev-parse', '--verify', '--quiet', 'FETCH_HEAD^{commit}'])).out || base : base
    // HEAD's own history is needed too; a commit the remote does not have fails here, and is left as it is.
    if (shallow) await git(exec, root, ['fetch', '--no-tags', ...depthArgs, 'origin', head])
    const after = await mergeBaseOf(exec, root, target)
    if (after) return after
  }
  const why = problems.length > 0 ? ` (${[...new Set(problems)].join('; ')})` : ''
  throw new BaselineError(
    `Input "baseline": build cannot find the merge base of ${base} and HEAD in this ${shallow ? 'shallow clone' : 'clone'}, even after fetching from origin${why}: ${FULL_HISTORY_HINT}`
  )
}

/** Whether HEAD's commit holds `file` (a path relative to the repository's root). */
export async function isCommitted(exec: Exec, root: string, file: string): Promise<boolean> {
  return (await git(exec, root, ['cat-file', '-e', `HEAD:${file.split(path.sep).join('/')}`])).ok
}

/** Worktrees checked out and not removed yet, with their repository: what a cancelled step must forget. */
const worktreesInUse = new Map<string, string>()

/**
 * After a cancelled step removed the work folders, the records of their worktrees in the
 * repository: left behind, `git worktree list` would name a folder that is gone.
 */
export function forgetWorktreesSync(): void {
  for (const [dir, root] of worktreesInUse) {
    // The folder itself goes with the work folders; the one left is the checkout's own.
    if (!existsSync(dir)) spawnSync('git', ['-C', root, 'worktree', 'prune'], { stdio: 'ignore', timeout: 10_000 })
  }
  worktreesInUse.clear()
}

/** Checks `commit` out, detached, in `dir`; the function returned removes it and its records in the repository. */
export async function addWorktree(exec: Exec, root: string, commit: string, dir: string): Promise<() => Promise<void>> {
  worktreesInUse.set(dir, root)
  const added = await git(exec, root, ['worktree', 'add', '--detach', dir, commit])
  const remove = async (): Promise<void> => {
    await git(exec, root, ['worktree', 'remove', '--force', dir])
    await git(exec, root, ['worktree', 'prune'])
    worktreesInUse.delete(dir)
  }
  if (!added.ok) {
    await remove()
    throw new Error(`git worktree add ${commit} failed: ${added.problem}`)
  }
  return remove
}

/**
 * Maps a path of the checkout (relative to `cwd`, or absolute) to the same path in the worktree;
 * a path outside the repository, which the worktree does not have, stays where it is.
 */
export function treePath(cwd: string, root: string, tree: string): TreePath {
  return file => {
    const absolute = path.resolve(cwd, file)
    const relative = inRepository(root, absolute) ?? throughLink(root, absolute)
    return relative !== undefined ? { path: path.join(tree, relative), inRepository: true } : { path: absolute, inRepository: false }
  }
}

/** `absolute` relative to `root`, when it is inside. */
function inRepository(root: string, absolute: string): string | undefined {
  const relative = path.relative(root, absolute)
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? undefined : relative
}

/**
 * A path that reaches the repository through a link outside it (a workspace given through a
 * linked folder): relative to the nearest folder above it that is the repository's root. Links
 * inside the repository stay unresolved, for the worktree has its own.
 */
function throughLink(root: string, absolute: string): string | undefined {
  for (let folder = path.dirname(absolute); folder !== path.dirname(folder); folder = path.dirname(folder)) {
    let real: string
    try {
      real = realpathSync(folder)
    } catch {
      continue
    }
    if (real === root) return path.relative(folder, absolute)
  }
  return undefined
}
