// A bake definition of three targets (two sharing a base stage, one multi-platform), built in one
// bake run by the action as the runner runs it, against the local registry and GitHub server.
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import type { Report } from '../src/report/report.js'

interface RunReport {
  schemaVersion: number
  verdict: string
  images: Report[]
}
import { runActionStepAsync } from './helpers/action.js'
import { ASSETS, describeWithEngine, REGISTRY } from './helpers/engine.js'
import { GitHubServer } from './helpers/github-server.js'
import { readPushedImage } from './helpers/registry.js'
import { tempDir } from './helpers/temp.js'

const DOCKERFILE = `FROM scratch AS base
ARG TARGETARCH
COPY busybox/\${TARGETARCH}/busybox /bin/busybox
COPY seed /seed

FROM base AS api
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c 100000 /dev/urandom > /api"]
USER 65534

FROM base AS worker
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox head -c 300000 /dev/urandom > /worker"]
USER 65534
`

const BAKE = `variable "TAG" { default = "dev" }
group "default" { targets = ["api", "worker", "tools"] }
target "api" {
  target = "api"
  tags = ["${REGISTRY}/image-budget-test/bake-api:\${TAG}"]
}
target "worker" {
  target = "worker"
  platforms = ["linux/amd64", "linux/arm64"]
  tags = ["${REGISTRY}/image-budget-test/bake-worker:\${TAG}"]
}
target "tools" {
  dockerfile = "tools/Dockerfile"
  tags = ["${REGISTRY}/image-budget-test/bake-tools:\${TAG}"]
}
`

const PR_HEAD = '5'.repeat(40)

describeWithEngine('a bake definition: one image per target, one comment for the run, a status per image', () => {
  const github = new GitHubServer()
  const context = tempDir('image-budget-bake-')
  const runnerTemp = tempDir('image-budget-runner-')
  beforeAll(async () => {
    await github.start()
    cpSync(path.join(ASSETS, 'busybox'), path.join(context, 'busybox'), { recursive: true })
    writeFileSync(path.join(context, 'seed'), String(Date.now()))
    writeFileSync(path.join(context, 'Dockerfile'), DOCKERFILE)
    writeFileSync(path.join(context, 'docker-bake.hcl'), BAKE)
    writeFileSync(path.join(context, 'budgets.yml'), 'images:\n  api:\n    max-size: 10MB\n  worker:\n    max-size: 1kB\n  tools:\n    max-layers: 5\n')
    const tools = path.join(context, 'tools')
    cpSync(path.join(ASSETS, 'busybox', 'amd64', 'busybox'), path.join(tools, 'busybox'))
    writeFileSync(path.join(tools, 'Dockerfile'), 'FROM scratch\nCOPY tools/busybox /bin/busybox\nUSER 65534\n')
  })
  afterAll(async () => {
    await github.stop()
  })

  const step = (tag: string) => {
    const eventFile = path.join(runnerTemp, 'event.json')
    const event = { repository: { default_branch: 'main' }, pull_request: { number: 21, base: { ref: 'main', repo: { full_name: 'acme/shop' } }, head: { ref: 'f', sha: PR_HEAD, repo: { full_name: 'acme/shop' } } } }
    writeFileSync(eventFile, JSON.stringify(event))
    return runActionStepAsync(
      context,
      { files: 'docker-bake.hcl', vars: `TAG=${tag}`, push: 'true', 'budget-file': 'budgets.yml', name: 'shop', 'github-token': 'test-token', baseline: 'none' },
      {
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventFile,
        GITHUB_API_URL: github.url,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: '77',
        GITHUB_SHA: '6'.repeat(40)
      }
    )
  }

  it('measures every target and platform as pushed, fails the run on the one over budget, and keeps one comment', async () => {
    const tag = `t${Date.now()}`
    const first = await step(tag)
    expect(first.exitCode).toBe(1)
    expect(first.outputs.verdict).toBe('fail')
    expect(first.stdout).toMatch(/::error::worker: Image budget exceeded: max-size on linux\/amd64/)
    const run = JSON.parse(readFileSync(first.outputs.report, 'utf8')) as RunReport
    expect(run.schemaVersion).toBe(2)
    expect(run.images.map(image => [image.name, image.verdict])).toEqual([
      ['api', 'pass'],
      ['tools', 'pass'],
      ['worker', 'fail']
    ])
    for (const image of run.images) {
      const pushed = await readPushedImage(`${REGISTRY}/image-budget-test/bake-${image.name}:${tag}`)
      expect(image.platforms.map(platform => [platform.platform, platform.size, platform.compressedSize, platform.layerCount]).sort()).toEqual(
        pushed.platforms
          .map(platform => [platform.platform, platform.layerFileBytes.reduce((a, b) => a + b, 0), platform.layerBlobSizes.reduce((a, b) => a + b, 0), platform.layerBlobSizes.length])
          .sort()
      )
    }
    expect(run.images.find(image => image.name === 'worker')!.platforms.map(platform => platform.platform).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    const images = JSON.parse(first.outputs.images) as Record<string, { verdict: string; size: number }>
    expect(run.verdict).toBe('fail')
    expect(Object.keys(images).sort()).toEqual(['api', 'tools', 'worker'])
    expect(images.worker.verdict).toBe('fail')

    // Only the image over budget is red.
    expect(github.statuses.map(status => [status.context, status.state]).sort()).toEqual([
      ['image-budget/api', 'success'],
      ['image-budget/tools', 'success'],
      ['image-budget/worker', 'failure']
    ])
    const comments = github.comments.filter(comment => comment.issue === 21)
    expect(comments).toHaveLength(1)
    expect(comments[0].body.split('\n')[0]).toBe('<!-- image-budget:comment:shop -->')
    expect(comments[0].body).toMatch(/\| worker \| linux\/arm64 \| [\d.]+ MB \|/)
    expect(comments[0].body).toContain('### image-budget: 3 images — ❌ fail')

    // The same run again: the comment is left alone.
    const again = await step(tag)
    expect(again.exitCode).toBe(1)
    expect(github.comments.filter(comment => comment.issue === 21)).toEqual(comments)
    expect(github.calls().filter(call => call.startsWith('PATCH') || call.startsWith('POST /issues'))).toEqual(['POST /issues/21/comments'])

    // A changed image: the comment is updated in place.
    writeFileSync(path.join(context, 'budgets.yml'), 'images:\n  api:\n    max-size: 10MB\n  worker:\n    max-size: 10MB\n  tools:\n    max-layers: 5\n')
    const fixed = await step(tag)
    expect(fixed.exitCode).toBe(0)
    expect(github.calls().filter(call => call.startsWith('PATCH') || call.startsWith('POST /issues'))).toEqual(['POST /issues/21/comments', `PATCH /issues/comments/${comments[0].id}`])
    expect(github.comments.filter(comment => comment.issue === 21)[0].body).toContain('### image-budget: 3 images — ✅ pass')
  })
})
