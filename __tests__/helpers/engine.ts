import { describe, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { tempDir } from './temp.js'

export const ASSETS = process.env.IMAGE_BUDGET_ASSETS ?? '/opt/image-budget'
export const REGISTRY = '127.0.0.1:5000'

function engineProblem(): string | undefined {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' })
  if (info.status !== 0) return `the Docker engine is not running (${(info.stderr || info.error?.message || '').trim()})`
  const buildx = spawnSync('docker', ['buildx', 'version'], { encoding: 'utf8' })
  if (buildx.status !== 0) return 'docker buildx is not installed'
  for (const arch of ['amd64', 'arm64']) {
    if (!existsSync(path.join(ASSETS, 'busybox', arch, 'busybox'))) return `busybox for ${arch} is missing from ${ASSETS}`
  }
  const registry = spawnSync('curl', ['-fsS', `http://${REGISTRY}/v2/`])
  if (registry.status !== 0) return `no registry answers on ${REGISTRY}`
  return undefined
}

const problem = engineProblem()

/**
 * Tests that need the real engine. Without it they are skipped on a developer's machine, and fail
 * under CI=true: CI must never pass by skipping them. `bash scripts/setup-engine.sh` provides it.
 */
export function describeWithEngine(name: string, body: () => void): void {
  if (problem === undefined) {
    describe(name, body)
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the Docker engine it needs', () => {
        throw new Error(`CI=true but ${problem}: run scripts/setup-engine.sh`)
      })
    })
  } else {
    describe.skip(`${name} (skipped: ${problem})`, body)
  }
}

export const MULTI_STAGE_DOCKERFILE = `FROM scratch AS base
ARG TARGETARCH
COPY busybox/\${TARGETARCH}/busybox /bin/busybox
SHELL ["/bin/busybox", "sh", "-c"]
RUN /bin/busybox --install -s /bin

FROM base AS build
ARG TARGETARCH
COPY seed /seed
RUN mkdir -p /out && head -c 300000 /dev/urandom > /out/app && echo "$TARGETARCH" > /out/arch \\
 && ln /out/app /out/app-hardlink && ln -s app /out/app-symlink

FROM base
COPY --from=build /out/ /app/
RUN echo ok > /ok
USER 65534
`

/** A build context with busybox for both architectures and a seed that makes its build new. */
export function makeContext(dockerfile = MULTI_STAGE_DOCKERFILE, files: Record<string, string> = {}): string {
  const dir = tempDir('image-budget-ctx-')
  cpSync(path.join(ASSETS, 'busybox'), path.join(dir, 'busybox'), { recursive: true })
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile)
  writeFileSync(path.join(dir, 'seed'), randomBytes(16).toString('hex'))
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content)
  return dir
}

export function uniqueTag(repository: string): string {
  return `${REGISTRY}/image-budget-test/${repository}:${randomBytes(4).toString('hex')}`
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 1 << 26 })
}
