// The merge base `baseline: build` builds, found with real git in temporary repositories: a full
// clone, a shallow one that must fetch, and one that cannot; and where `build` is refused.
import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { BaselineError } from '../src/baseline/baseline.js'
import { addWorktree, findMergeBase, repositoryRoot, treePath } from '../src/baseline/git.js'
import { getInputs } from '../src/config/inputs.js'
import { createExec } from '../src/exec.js'
import { execute, onCancel } from '../src/main.js'
import { workFolders } from '../src/pipeline/run-image.js'
import { resolveSpecs } from '../src/pipeline/spec.js'
import { compare } from '../src/pipeline/stages.js'
import { emptyReport } from '../src/report/report.js'
import type { Exec } from '../src/host.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { commitFiles, git } from './helpers/git.js'
import { tempDir } from './helpers/temp.js'

const exec = createExec()

/** main with two commits, and a feature branch of one more from the first: returns the repository and its commits. */
function history(): { origin: string; first: string; second: string; feature: string } {
  const origin = tempDir('image-budget-git-origin-')
  git(origin, 'init', '-q', '-b', 'main')
  const first = commitFiles(origin, { file: 'one\n' }, 'one')
  git(origin, 'checkout', '-q', '-b', 'feature')
  const feature = commitFiles(origin, { file: 'feature\n' }, 'feature')
  git(origin, 'checkout', '-q', 'main')
  return { origin, first, second: commitFiles(origin, { other: 'two\n' }, 'two'), feature }
}

describe('the merge base of baseline: build', () => {
  it('is the fork point of the branch in a full clone, by commit or by branch name', async () => {
    const { origin, first, second } = history()
    git(origin, 'checkout', '-q', 'feature')
    const logs: string[] = []
    expect(await findMergeBase(exec, origin, second, message => logs.push(message))).toBe(first)
    expect(await findMergeBase(exec, origin, 'main', message => logs.push(message))).toBe(first)
    expect(logs).toEqual([])
  })

  it('fetches the base and HEAD deeper when a shallow clone lacks them', async () => {
    const { origin, first, second } = history()
    const clone = tempDir('image-budget-git-shallow-')
    git(clone, 'clone', '-q', '--depth=1', '--branch=feature', `file://${origin}`, '.')
    expect(git(clone, 'rev-parse', '--is-shallow-repository')).toBe('true')
    const logs: string[] = []
    expect(await findMergeBase(exec, clone, second, message => logs.push(message))).toBe(first)
    expect(logs).toEqual([`Fetching ${second} and HEAD 50 commits deep from origin to find the merge base`])
  })

  it('finds the base of a pull request checked out as GitHub does: its merge commit, one commit deep', async () => {
    const { origin, second, feature } = history()
    // refs/pull/1/merge: the merge of the pull request's head into the base, as GitHub makes it.
    git(origin, 'checkout', '-q', '--detach', second)
    git(origin, 'merge', '-q', '--no-edit', feature, '-X', 'theirs')
    git(origin, 'update-ref', 'refs/pull/1/merge', 'HEAD')
    git(origin, 'checkout', '-q', 'main')
    // What actions/checkout does by default: fetch that one commit, depth 1, and check it out detached.
    const clone = tempDir('image-budget-git-checkout-')
    git(clone, 'init', '-q')
    git(clone, 'remote', 'add', 'origin', `file://${origin}`)
    git(clone, 'fetch', '-q', '--no-tags', '--depth=1', 'origin', '+refs/pull/1/merge:refs/remotes/pull/1/merge')
    git(clone, 'checkout', '-q', '--detach', 'refs/remotes/pull/1/merge')
    expect(git(clone, 'rev-parse', '--is-shallow-repository')).toBe('true')
    // The event's base commit is the tip of main: the merge commit's first parent, and the merge base.
    expect(await findMergeBase(exec, clone, second, () => undefined)).toBe(second)
  })

  it('fails, naming fetch-depth, when the clone lacks the base and origin cannot give it', async () => {
    const { origin, second } = history()
    const clone = tempDir('image-budget-git-lost-')
    git(clone, 'clone', '-q', '--depth=1', '--branch=feature', `file://${origin}`, '.')
    git(clone, 'remote', 'set-url', 'origin', path.join(clone, 'gone'))
    const found = findMergeBase(exec, clone, second, () => undefined)
    await expect(found).rejects.toThrow(BaselineError)
    await expect(findMergeBase(exec, clone, second, () => undefined)).rejects.toThrow(
      new RegExp(`Input "baseline": build cannot find the merge base of ${second} and HEAD in this shallow clone, even after fetching from origin \\(git fetch origin ${second}: .+\\): check out the full history \\(actions/checkout with fetch-depth: 0\\)`)
    )
  })

  it('fails on histories with nothing in common', async () => {
    const { origin } = history()
    git(origin, 'checkout', '-q', '--orphan', 'alone')
    git(origin, 'commit', '-q', '-m', 'alone')
    await expect(findMergeBase(exec, origin, 'main', () => undefined)).rejects.toThrow('Input "baseline": build found no common ancestor of main and HEAD')
  })

  it('checks the merge base out beside the checkout and leaves no worktree behind', async () => {
    const { origin, first } = history()
    const tree = path.join(tempDir('image-budget-git-tree-'), 'tree')
    const root = await repositoryRoot(exec, origin)
    const remove = await addWorktree(exec, root, first, tree)
    expect(readFileSync(path.join(tree, 'file'), 'utf8')).toBe('one\n')
    expect(existsSync(path.join(tree, 'other'))).toBe(false)
    expect(git(origin, 'worktree', 'list')).toContain(tree)
    await remove()
    expect(existsSync(tree)).toBe(false)
    expect(git(origin, 'worktree', 'list').split('\n')).toHaveLength(1)
  })

  it('maps a path that reaches the checkout through a linked folder into the worktree, and leaves links of the repository to the worktree', () => {
    const { origin } = history()
    const root = realpathSync(origin)
    mkdirSync(path.join(root, 'v2'))
    symlinkSync('v2', path.join(root, 'current'))
    // The workspace as a linked folder names it: the head's Dockerfile must not build the base.
    const link = path.join(tempDir('image-budget-git-link-'), 'workspace')
    symlinkSync(root, link)
    const inTree = treePath(root, root, '/tree')
    expect(inTree(path.join(link, 'app', 'Dockerfile'))).toEqual({ path: '/tree/app/Dockerfile', inRepository: true })
    expect(inTree(path.join(link, 'app'))).toEqual({ path: '/tree/app', inRepository: true })
    // current/ is the base's own link, whatever the head's points to.
    expect(inTree('current/Dockerfile')).toEqual({ path: '/tree/current/Dockerfile', inRepository: true })
    expect(inTree(path.join(path.dirname(link), 'Dockerfile'))).toEqual({ path: path.join(path.dirname(link), 'Dockerfile'), inRepository: false })
  })

  it('leaves no worktree recorded in the repository when the step is cancelled while the base builds', async () => {
    const { origin, first } = history()
    const work = tempDir('image-budget-git-cancelled-')
    const tree = path.join(work, 'base tree')
    await addWorktree(exec, await repositoryRoot(exec, origin), first, tree)
    workFolders.add(work)
    try {
      await onCancel(depsFor(origin), new RecordingHost(), 'SIGTERM')
    } finally {
      workFolders.delete(work)
    }
    expect(existsSync(tree)).toBe(false)
    expect(git(origin, 'worktree', 'list', '--porcelain')).not.toContain('base tree')
    expect(git(origin, 'worktree', 'list').split('\n')).toHaveLength(1)
  })

  it('says when the folder is not in a Git checkout', async () => {
    await expect(repositoryRoot(exec, tempDir('image-budget-git-none-'))).rejects.toThrow(/Input "baseline": build needs a Git checkout, and .+ is not in one/)
  })
})

describe('baseline: build where it cannot work, refused before anything is built', () => {
  const run = async (values: Record<string, string>, cwd: string) => {
    const host = new RecordingHost()
    const given: Record<string, string> = { scan: 'false', ...values }
    const failure = await execute(getInputs(name => given[name] ?? ''), host, depsFor(cwd, { tempRoot: tempDir('image-budget-refused-') })).then(
      () => undefined,
      (error: Error) => error.message
    )
    return { failure, host }
  }

  it.each<[string, Record<string, string>, RegExp]>([
    ['outside a pull request without baseline-ref', { baseline: 'build' }, /^Input "baseline": build outside a pull request needs "baseline-ref", the branch or commit to compare with \(e\.g\. --baseline-ref origin\/main\)$/],
    ['with image', { baseline: 'build', image: 'registry.example/app:1' }, /^Input "baseline": build builds the merge base of what is built, and "image" measures an existing image/],
    ['with a remote context', { baseline: 'build', 'baseline-ref': 'main', context: 'https://github.com/acme/api.git#main' }, /^Input "baseline": build needs a context in the checkout, and "https:\/\/github.com\/acme\/api.git#main" \(context\) is remote/],
    ['with a baseline-ref that git would read as an option', { baseline: 'build', 'baseline-ref': '--upload-pack=touch /tmp/x' }, /^Input "baseline-ref": "--upload-pack=touch \/tmp\/x" is not a branch, tag or commit$/],
    ['with a baseline-ref that begins with -', { baseline: 'build', 'baseline-ref': '-main' }, /^Input "baseline-ref": "-main" is not a branch, tag or commit$/],
    ['with a bake definition', { baseline: 'build', files: 'docker-bake.hcl' }, /^docker-bake: Input "baseline": build is not supported with a bake definition \("files", "targets", "source"\)/]
  ])('%s', async (_title, values, message) => {
    const cwd = tempDir('image-budget-refused-cwd-')
    writeFileSync(path.join(cwd, 'Dockerfile'), 'FROM scratch\n')
    const { failure, host } = await run(values, cwd)
    expect(failure).toMatch(message)
    // Refused in the checks before the build: no build group was opened.
    expect(host.groups.filter(group => group.startsWith('Build'))).toEqual([])
  })
})

describe('the build of the merge base', () => {
  it('reads what is not taken from the worktree where the head reads it: its paths resolve in the checkout', async () => {
    const { origin } = history()
    commitFiles(origin, { 'app/Dockerfile': 'FROM scratch\n' }, 'app')
    commitFiles(origin, { 'app/Dockerfile': 'FROM scratch\nCOPY . /\n' }, 'app grows')
    // A local cache an earlier step of the job made: never in any commit.
    mkdirSync(path.join(origin, '.buildx-cache'))
    const builds: Array<{ args: string[]; cwd?: string }> = []
    const gitExec = createExec()
    const recording: Exec = async (command, args, options) => {
      if (command !== 'docker') return gitExec(command, args, options)
      builds.push({ args, cwd: options?.cwd })
      return { exitCode: 1, stdout: '', stderr: 'the engine is not asked in this test' }
    }
    const deps = depsFor(origin, { exec: recording, tempRoot: tempDir('image-budget-base-cwd-') })
    const values: Record<string, string> = { context: 'app', baseline: 'build', 'baseline-ref': 'HEAD~1', 'cache-from': 'type=local,src=.buildx-cache', scan: 'false' }
    const [spec] = await resolveSpecs(getInputs(name => values[name] ?? ''), deps)
    const workDir = tempDir('image-budget-base-work-')
    const compared = await compare(spec, emptyReport(spec.name), { ...deps, host: new RecordingHost(), workDir })
    expect(compared).toMatchObject({ failed: true })
    const [build] = builds.filter(call => call.args[1] === 'build')
    expect(build.args.slice(-1)).toEqual([path.join(workDir, 'base-tree', 'app')])
    expect(build.args).toContain('type=local,src=.buildx-cache')
    expect(build.cwd).toBe(origin)
  })

  it.each<[string, boolean, object]>([
    ['a Dockerfile the head commits and the base lacks is a new image: nothing to judge', true, { missing: expect.stringMatching(/^the merge base [0-9a-f]{12} has no app\/Dockerfile \(the image is new\)$/) }],
    [
      'a Dockerfile no commit holds (made by an earlier step) fails the increase unjudged, not as a new image',
      false,
      { missing: expect.stringMatching(/could not be built \(app\/Dockerfile is not in the commit checked out/), failed: true }
    ]
  ])('%s', async (_title, committed, expected) => {
    const { origin } = history()
    const files = { 'app/Dockerfile': 'FROM scratch\n' }
    if (committed) {
      commitFiles(origin, files, 'app')
    } else {
      commitFiles(origin, { 'app/.keep': '' }, 'app')
      writeFileSync(path.join(origin, 'app', 'Dockerfile'), files['app/Dockerfile'])
    }
    const calls: string[] = []
    const gitExec = createExec()
    const recording: Exec = async (command, args, options) => {
      calls.push(command)
      return command === 'docker' ? { exitCode: 1, stdout: '', stderr: '' } : gitExec(command, args, options)
    }
    const deps = depsFor(origin, { exec: recording, tempRoot: tempDir('image-budget-base-new-') })
    const values: Record<string, string> = { context: 'app', baseline: 'build', 'baseline-ref': 'HEAD~1', 'max-size-increase': '5%', scan: 'false' }
    const [spec] = await resolveSpecs(getInputs(name => values[name] ?? ''), deps)
    const compared = await compare(spec, emptyReport(spec.name), { ...deps, host: new RecordingHost(), workDir: tempDir('image-budget-base-work-') })
    expect(compared).toEqual(expected)
    expect(calls).not.toContain('docker')
  })
})
