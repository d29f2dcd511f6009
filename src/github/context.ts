import { readFile } from 'node:fs/promises'

/** What a run knows of GitHub: read from the runner's variables and event file, never at import. */
export interface GitHubContext {
  owner: string
  repo: string
  eventName: string
  /** The commit the run is for: a pull request's head, not its merge commit. */
  sha: string
  /** The branch a push is to, or a pull request's head branch. */
  branch: string
  defaultBranch: string
  pullRequest?: { number: number; baseRef: string; headSha: string; fromFork: boolean; /** The base branch's commit when the event was sent. */ baseSha?: string }
  runUrl: string
  /** The run's attempt: the builder of the default provenance attestation, as docker/build-push-action names it. */
  runAttemptUrl: string
  serverUrl: string
  apiUrl: string
  /** Whether the repository is private (the default provenance then records less). */
  privateRepository: boolean
}

interface EventPayload {
  repository?: { default_branch?: string; private?: boolean }
  pull_request?: { number: number; base: { ref: string; sha?: string; repo?: { full_name?: string } }; head: { ref: string; sha: string; repo?: { full_name?: string } | null } }
}

export async function readGitHubContext(env: NodeJS.ProcessEnv): Promise<GitHubContext | undefined> {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_EVENT_NAME) return undefined
  const [owner, repo] = env.GITHUB_REPOSITORY.split('/')
  let event: EventPayload = {}
  if (env.GITHUB_EVENT_PATH) {
    try {
      event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload
    } catch {
      // An unreadable event file leaves the event-specific parts unknown.
    }
  }
  const pr = event.pull_request
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
  return {
    owner,
    repo,
    eventName: env.GITHUB_EVENT_NAME,
    sha: pr?.head.sha ?? env.GITHUB_SHA ?? '',
    branch: pr?.head.ref ?? (env.GITHUB_REF ?? '').replace(/^refs\/heads\//, ''),
    defaultBranch: event.repository?.default_branch ?? '',
    ...(pr
      ? {
          pullRequest: {
            number: pr.number,
            baseRef: pr.base.ref,
            headSha: pr.head.sha,
            fromFork: (pr.head.repo?.full_name ?? '') !== (pr.base.repo?.full_name ?? env.GITHUB_REPOSITORY),
            ...(typeof pr.base.sha === 'string' && /^[0-9a-f]{40}$/.test(pr.base.sha) ? { baseSha: pr.base.sha } : {})
          }
        }
      : {}),
    runUrl: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID ?? ''}`,
    runAttemptUrl: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID ?? ''}/attempts/${env.GITHUB_RUN_ATTEMPT ?? '1'}`,
    serverUrl: server,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    privateRepository: event.repository?.private === true
  }
}

export const isPullRequest = (context: GitHubContext | undefined): boolean =>
  context?.pullRequest !== undefined && /^pull_request/.test(context.eventName)
