// The history kept on a branch of the repository, through the contents API: it lasts as long as the
// repository does, unlike the Actions cache (an entry unused for 7 days is dropped) or an artifact
// (kept 90 days at most). Writes are optimistic: each names the blob it replaces, and a write that
// lost a race with another job (409, 422) reads the file again and adds its point to what it finds.
import { GitHubApiError, type GitHubApi } from '../github/api.js'
import { appendPoint, emptyHistory, historyFile, MAX_HISTORY_BYTES, parseHistory, serializeHistory, type History, type HistoryPoint } from './history.js'

/**
 * Writes that lose a race before the save gives up. Every job of a matrix writes the same branch
 * (each its image's file): each write that lands moves the branch under the others, so a job may
 * lose one race per other job of the matrix.
 */
export const MAX_WRITE_ATTEMPTS = 12
/** The longest wait between two attempts: a random share of it, doubling from 250 ms, so that jobs that lost together do not collide again. */
const MAX_RETRY_WAIT_MS = 4000

export interface SaveOptions {
  /** Waits between attempts (tests pass one that does not). */
  wait?: (ms: number) => Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export interface StoredHistory {
  history: History
  /** The blob SHA of the file; undefined when there is no file (yet). */
  sha?: string
}

/** The history of an image on the branch; an empty one when the branch or its file does not exist. */
export async function readStoredHistory(api: GitHubApi, branch: string, name: string): Promise<StoredHistory> {
  const file = historyFile(name)
  const found = await api.readFile(file, branch, MAX_HISTORY_BYTES)
  if (!found) return { history: emptyHistory(name) }
  const history = parseHistory(found.text, `${file} of branch ${branch}`)
  // Two names may share a file (their slugs are the same): the file says whose it is.
  if (history.name !== name) throw new GitHubApiError(`${file} of branch ${branch} is the history of "${history.name}", not of "${name}": rename one of the images`, 0)
  return { history, sha: found.sha }
}

const isConflict = (error: unknown): boolean => error instanceof GitHubApiError && (error.status === 409 || error.status === 422)

/** Adds the point to the image's history on the branch, making the branch (without parents) when it does not exist. */
export async function saveStoredHistory(api: GitHubApi, branch: string, name: string, point: HistoryPoint, options: SaveOptions = {}): Promise<History> {
  const wait = options.wait ?? sleep
  const file = historyFile(name)
  const message = `image-budget: history of ${name} at ${point.commit.slice(0, 12)}`
  for (let attempt = 1; ; attempt++) {
    const stored = await readStoredHistory(api, branch, name)
    const history = appendPoint(stored.history, point)
    const text = serializeHistory(history)
    try {
      if (stored.sha !== undefined) await api.writeFile(file, { branch, message, text, sha: stored.sha })
      else if (await api.branchExists(branch)) await api.writeFile(file, { branch, message, text })
      else await api.createOrphanBranch(file, { branch, message, text })
      return history
    } catch (error) {
      if (!isConflict(error)) throw error
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new GitHubApiError(`${file} of branch ${branch} changed under ${MAX_WRITE_ATTEMPTS} writes in a row: ${(error as Error).message}`, (error as GitHubApiError).status)
      await wait(Math.floor(Math.random() * Math.min(MAX_RETRY_WAIT_MS, 250 * 2 ** (attempt - 1))))
    }
  }
}
