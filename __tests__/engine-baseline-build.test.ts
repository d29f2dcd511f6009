// baseline: build on the real engine, in a temporary Git repository of two commits: the second adds
// a file of known size. The action (bundled from src/ into a temporary folder) runs on a pull request
// event with no report of the base kept, builds the merge base, and compares; the change must equal
// the difference of two readings made apart from src/, and the base build must leave nothing in the
// engine, the registry or the Actions cache.
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import * as path from 'node:path'
import { getInputs } from '../src/config/inputs.js'
import { readGitHubContext } from '../src/github/context.js'
import { LAYER_STORE_VERSION } from '../src/image/layer-store.js'
import { execute } from '../src/main.js'
import type { Report } from '../src/report/report.js'
import { runActionStepAsync } from './helpers/action.js'
import { CacheServer } from './helpers/cache-server.js'
import { ASSETS, describeWithEngine, docker, REGISTRY } from './helpers/engine.js'
import { GitHubServer } from './helpers/github-server.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { readOciArchive, registryDigest } from './helpers/registry.js'
import { commitFiles, git } from './helpers/git.js'
import { tempDir } from './helpers/temp.js'

const ROOT = path.resolve(new URL('..', import.meta.url).pathname)
/** What the second commit adds to the image. */
const ADDED_BYTES = 123_457
const DOCKERFILE = `FROM scratch
ARG TARGETARCH
COPY busybox/\${TARGETARCH}/busybox /bin/busybox
COPY seed /seed
USER 65534
`

/** The image's files in app/: busybox, a seed that makes its build new, and the Dockerfile. */
const imageFiles = (): Record<string, string | Buffer> => ({
  'app/busybox/amd64/busybox': readFileSync(path.join(ASSETS, 'busybox', 'amd64', 'busybox')),
  'app/seed': randomBytes(16).toString('hex'),
  'app/Dockerfile': DOCKERFILE
})

describeWithEngine('baseline: build, the merge base built beside the pull request', () => {
  const github = new GitHubServer()
  const cache = new CacheServer()
  let bundle = ''
  beforeAll(async () => {
    await github.start()
    await cache.start()
    bundle = tempDir('image-budget-basebuild-bundle-')
    execFileSync('bash', ['scripts/build.sh', bundle], { cwd: ROOT, stdio: 'pipe' })
  }, 300_000)
  /** The labels of this file's images: whatever an assertion found, they leave the engine. */
  const labels: string[] = []
  afterAll(async () => {
    await github.stop()
    await cache.stop()
    const left = labels.flatMap(label => engineImages(label))
    if (left.length > 0) docker(['image', 'rm', '--force', ...left])
  })

  /** A repository whose image is in app/: the first commit, then one that adds a file of ADDED_BYTES. */
  function repository(): { root: string; first: string; second: string } {
    const root = tempDir('image-budget-basebuild-repo-')
    git(root, 'init', '-q', '-b', 'main')
    const first = commitFiles(root, imageFiles(), 'the image')
    const second = commitFiles(root, { 'app/added.bin': randomBytes(ADDED_BYTES), 'app/Dockerfile': `${DOCKERFILE}COPY added.bin /added.bin\n` }, 'a file more')
    return { root, first, second }
  }

  /** The bytes of regular files in a commit's image, built apart with buildx and read with GNU tar. */
  async function independentSize(root: string, commit: string): Promise<number> {
    const tree = tempDir('image-budget-basebuild-tree-')
    execFileSync('bash', ['-c', `git archive ${commit} | tar -x -C "${tree}"`], { cwd: root })
    const archive = path.join(tempDir('image-budget-basebuild-oci-'), 'image.tar')
    docker(['buildx', 'build', '--platform', 'linux/amd64', '--provenance=false', '--output', `type=oci,dest=${archive}`, path.join(tree, 'app')])
    const image = await readOciArchive(archive)
    expect(image.platforms.map(platform => platform.platform)).toEqual(['linux/amd64'])
    return image.platforms[0].layerFileBytes.reduce((sum, bytes) => sum + bytes, 0)
  }

  function pullRequestEnv(root: string, base: string, head: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const event = {
      repository: { default_branch: 'main' },
      pull_request: { number: 21, base: { ref: 'main', sha: base, repo: { full_name: 'acme/shop' } }, head: { ref: 'feature', sha: head, repo: { full_name: 'acme/shop' } } }
    }
    const eventFile = path.join(tempDir('image-budget-basebuild-event-'), 'event.json')
    writeFileSync(eventFile, JSON.stringify(event))
    return {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: String(Date.now()),
      GITHUB_SHA: head,
      GITHUB_WORKSPACE: root,
      ...extra
    }
  }

  const engineImages = (label: string): string[] =>
    docker(['image', 'ls', '--all', '--no-trunc', '--quiet', '--filter', `label=${label}`])
      .split('\n')
      .filter(Boolean)
  const registryJson = async (url: string): Promise<{ status: number; body: any }> => {
    const response = await fetch(`http://${REGISTRY}${url}`, { headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' } })
    return { status: response.status, body: response.ok ? await response.json() : undefined }
  }

  it('compares the first pull request with its merge base, built and measured, and leaves nothing of it behind', async () => {
    const { root, first, second } = repository()
    const [before, after] = [await independentSize(root, first), await independentSize(root, second)]
    expect(after - before).toBe(ADDED_BYTES)

    const label = `image-budget-test-basebuild=${randomBytes(6).toString('hex')}`
    const repositoryName = `image-budget-test/basebuild-${randomBytes(4).toString('hex')}`
    const tag = `${REGISTRY}/${repositoryName}:pr`
    const inputs = {
      context: 'app',
      name: 'basebuild',
      platforms: 'linux/amd64',
      baseline: 'build',
      'max-size-increase': '100kB',
      labels: label,
      tags: tag,
      push: 'true',
      load: 'true',
      'github-token': 'test-token'
    }
    expect(engineImages(label)).toEqual([])
    labels.push(label)
    const runnerTemp = tempDir('image-budget-basebuild-runner-')
    const step = await runActionStepAsync(root, inputs, { ...cache.env(), ...pullRequestEnv(root, first, second), RUNNER_TEMP: runnerTemp }, path.join(bundle, 'index.js'))

    // Over the budget on the first pull request: 123,457 bytes more than the merge base, 100 kB allowed.
    expect(step.exitCode).toBe(1)
    const report = JSON.parse(readFileSync(step.outputs.report, 'utf8')) as Report
    expect(report.error).toBeUndefined()
    expect(report.baseline).toEqual({ source: 'build', reference: first, digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/), unavailable: ['vulnerabilities'] })
    expect(report.platforms.map(platform => [platform.platform, platform.size])).toEqual([['linux/amd64', after]])
    expect(report.platforms[0].delta).toMatchObject({ size: after - before, layerCount: 1 })
    expect(report.platforms[0].delta!.instructions).toEqual([{ name: 'COPY added.bin /added.bin', line: 6, bytes: ADDED_BYTES }])
    expect(step.outputs['size-delta']).toBe(String(ADDED_BYTES))
    expect(report.budgets.filter(budget => budget.rule === 'max-size-increase')).toEqual([
      expect.objectContaining({ platform: 'linux/amd64', actual: ADDED_BYTES, limit: 100_000, status: 'fail' })
    ])
    expect(report.notices).toBeUndefined()

    // The summary and the comment say where the baseline came from.
    const said = `Compared with the baseline built from \`${first.slice(0, 12)}\`, the merge base, built for this run.`
    expect(step.summary).toContain(said)
    expect(github.comments.map(comment => comment.issue)).toEqual([21])
    expect(github.comments[0].body).toContain(said)
    expect(step.stdout).toContain(`::group::Build the baseline of basebuild from ${first.slice(0, 12)}`)

    // The base's build: only the measured export as output (export-mode auto: pushed to the step's
    // own registry on 127.0.0.1, gone with the step), the cache read and not written.
    const builds = step.stdout.split('\n').filter(line => line.startsWith('[command]') && line.includes('buildx build'))
    expect(builds).toHaveLength(2)
    const baseBuild = builds[1]
    expect(baseBuild).toContain(`${path.sep}base${path.sep}metadata.json`)
    expect(baseBuild).toContain('--cache-from type=gha,scope=basebuild')
    const outputs = [...baseBuild.matchAll(/--output (\S+)/g)].map(match => match[1])
    expect(outputs).toEqual([expect.stringMatching(/^type=image,name=127\.0\.0\.1:\d+\/image-budget-[a-f0-9]{24}:measured,push=true,store=false,registry\.insecure=true$/)])
    for (const flag of ['--push', '--load', '--tag', '--cache-to', 'type=docker']) expect(baseBuild).not.toContain(flag)
    expect(builds[0]).toContain('--cache-to type=gha,scope=basebuild')

    // Nothing of the base in the engine: the one image with the run's label is the head's, tagged.
    const images = engineImages(label)
    expect(images).toHaveLength(1)
    expect(docker(['image', 'inspect', '--format', '{{.Id}}', tag]).trim()).toBe(images[0])
    // Nor in the registry: the one tag is the head's, and the base's digest is unknown there.
    expect((await registryJson(`/v2/${repositoryName}/tags/list`)).body.tags).toEqual(['pr'])
    expect(await registryDigest(tag)).toBe(step.outputs.digest)
    expect((await registryJson(`/v2/${repositoryName}/manifests/${report.baseline!.digest}`)).status).toBe(404)
    // Nor in the Actions cache: BuildKit's index and the layer index are the head's alone, and no report is kept for a pull request.
    const keys = cache.entries.map(entry => entry.key)
    expect(keys.filter(key => key.startsWith('index-basebuild-'))).toHaveLength(1)
    expect(keys.filter(key => key.startsWith(`image-budget-layers-v${LAYER_STORE_VERSION}-`))).toHaveLength(1)
    expect(keys.filter(key => key.startsWith('image-budget-report-v1-'))).toEqual([])
    // The worktree is gone, from the disk and from the repository's records.
    expect(git(root, 'worktree', 'list').split('\n')).toHaveLength(1)
  })

  /** The step in-process in `cwd`, on GitHub when `runner` gives its variables; its report goes in `tempRoot`. */
  async function runInProcess(cwd: string, extra: Record<string, string>, runner?: NodeJS.ProcessEnv) {
    const env = { ...process.env, ...runner }
    const context = runner ? await readGitHubContext(env) : undefined
    const host = new RecordingHost()
    const tempRoot = tempDir('image-budget-basebuild-run-')
    const values: Record<string, string> = { context: 'app', name: 'local', platforms: 'linux/amd64', baseline: 'build', scan: 'false', comment: 'never', status: 'false', ...extra }
    const run = execute(getInputs(name => values[name] ?? ''), host, depsFor(cwd, { env, tempRoot, ...(context ? { github: { context } } : {}) }))
    return { run, host, reportFile: path.join(tempRoot, 'image-budget', 'local.json') }
  }
  const runInClone = (clone: string, base: string, head: string) => runInProcess(clone, {}, pullRequestEnv(clone, base, head))

  it('builds the merge base of baseline-ref outside a pull request, as the CLI does', async () => {
    const { root, first } = repository()
    const { run, host } = await runInProcess(root, { 'baseline-ref': 'HEAD~1', 'max-size-increase': '200kB' })
    const outcome = await run
    expect(outcome.report.baseline).toMatchObject({ source: 'build', reference: first })
    expect(outcome.report.platforms[0].delta).toMatchObject({ size: ADDED_BYTES })
    expect(outcome.report.budgets.find(budget => budget.rule === 'max-size-increase')).toMatchObject({ actual: ADDED_BYTES, status: 'pass' })
    expect(host.groups).toContain(`Build the baseline of local from ${first.slice(0, 12)}`)
  })

  it('keeps the head when the merge base does not build: a warning, and max-size-increase fails as unjudged rather than passing', async () => {
    const { root, first } = repository()
    // A merge base whose build fails: the head's Dockerfile is fixed, the base's is not.
    git(root, 'checkout', '-q', first)
    const broken = commitFiles(root, { 'app/Dockerfile': `${DOCKERFILE}COPY missing.txt /missing.txt\n` }, 'broken')
    git(root, 'checkout', '-q', '-b', 'fixed')
    commitFiles(root, { 'app/Dockerfile': DOCKERFILE }, 'fixed')
    const { run, host } = await runInProcess(root, { 'baseline-ref': broken, 'max-size-increase': '5%' })
    const outcome = await run
    expect(outcome.report.platforms.map(platform => platform.platform)).toEqual(['linux/amd64'])
    expect(outcome.report.baseline).toBeUndefined()
    // The increase could not be judged though the baseline was asked for: a failure naming why, never a pass.
    const why = `the merge base ${broken.slice(0, 12)} could not be built (docker buildx build failed (exit code 1))`
    expect(outcome.report.budgets.filter(budget => budget.rule === 'max-size-increase')).toEqual([
      expect.objectContaining({ platform: 'linux/amd64', status: 'fail', unresolved: why })
    ])
    expect(outcome.report.verdict).toBe('fail')
    expect(host.warnings.map(warning => warning.message)).toEqual([expect.stringMatching(new RegExp(`^The baseline could not be built from ${broken}: docker buildx build failed \\(exit code 1\\)`))])
    expect(outcome.report.notices).toEqual([
      `The budget max-size-increase has no baseline: ${why}. It fails rather than passing unchecked`
    ])
    expect(git(root, 'worktree', 'list').split('\n')).toHaveLength(1)
  })

  it('says the image is new when the merge base has no Dockerfile', async () => {
    const root = tempDir('image-budget-basebuild-new-')
    git(root, 'init', '-q', '-b', 'main')
    const before = commitFiles(root, { README: 'no image yet\n' }, 'before the image')
    commitFiles(root, imageFiles(), 'the image')
    const { run, host } = await runInProcess(root, { 'baseline-ref': 'main~1' })
    const outcome = await run
    expect(outcome.report.baseline).toBeUndefined()
    expect(outcome.report.notices).toEqual([`No baseline to compare with (baseline: build): the merge base ${before.slice(0, 12)} has no app/Dockerfile (the image is new)`])
    expect(host.warnings).toEqual([])
    expect(host.groups.filter(group => group.startsWith('Build the baseline'))).toEqual([])
  })

  it('on a push with no baseline-ref, says there is nothing to build, and leaves max-size-increase unjudged', async () => {
    const { root, second } = repository()
    const eventFile = path.join(tempDir('image-budget-basebuild-event-'), 'event.json')
    writeFileSync(eventFile, JSON.stringify({ repository: { default_branch: 'main' } }))
    const push = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventFile, GITHUB_REF: 'refs/heads/feature', GITHUB_SHA: second }
    const { run, host } = await runInProcess(root, { 'max-size-increase': '5%' }, push)
    const outcome = await run
    expect(outcome.report.baseline).toBeUndefined()
    expect(outcome.report.notices).toEqual([
      'The budget max-size-increase cannot apply: there is no baseline to compare with (baseline: build: this push run is not for a pull request, and no baseline-ref names the commit to build)'
    ])
    expect(host.groups.filter(group => group.startsWith('Build the baseline'))).toEqual([])
  })

  it('fetches the merge base into a shallow clone, deeper, before building it', async () => {
    const { root, first, second } = repository()
    const clone = tempDir('image-budget-basebuild-shallow-')
    git(clone, 'clone', '-q', '--depth=1', `file://${root}`, '.')
    expect(git(clone, 'rev-parse', '--is-shallow-repository')).toBe('true')
    const { run, host } = await runInClone(clone, first, second)
    const outcome = await run
    expect(host.lines).toContain(`Fetching ${first} and HEAD 50 commits deep from origin to find the merge base`)
    expect(outcome.report.baseline).toMatchObject({ source: 'build', reference: first })
    expect(outcome.report.platforms[0].delta).toMatchObject({ size: ADDED_BYTES })
  })

  it('fails with the head measured, naming fetch-depth, when the merge base cannot be fetched', async () => {
    const { root, first, second } = repository()
    const clone = tempDir('image-budget-basebuild-cut-')
    git(clone, 'clone', '-q', '--depth=1', `file://${root}`, '.')
    git(clone, 'remote', 'set-url', 'origin', path.join(clone, 'no-such-origin'))
    const { run, reportFile } = await runInClone(clone, first, second)
    const failure = /Input "baseline": build cannot find the merge base of [0-9a-f]{40} and HEAD in this shallow clone, even after fetching from origin \(.+\): check out the full history \(actions\/checkout with fetch-depth: 0\)/
    await expect(run).rejects.toThrow(failure)
    // What was measured stays: the head, with the reason there is no comparison, and a failing verdict.
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report
    expect(report.verdict).toBe('fail')
    expect(report.error).toMatch(failure)
    expect(report.platforms.map(platform => platform.platform)).toEqual(['linux/amd64'])
    expect(report.baseline).toBeUndefined()
  })
})
