import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parseBuildxVersion, versionAtLeast } from '../src/build/build.js'
import { describeFailure, isEngineUnreachable, parseProgress } from '../src/build/progress.js'

// Real `docker buildx build --progress=plain` output, captured from buildx 0.13 on BuildKit 0.13,
// building __fixtures__/buildx/Dockerfile.multi-platform for linux/amd64 and linux/arm64.
const fixture = (name: string): string => readFileSync(new URL(`../__fixtures__/buildx/${name}`, import.meta.url), 'utf8')

describe('parseProgress', () => {
  it('counts each Dockerfile step of each platform, none cached on a first build', () => {
    expect(parseProgress(fixture('multi-platform-first.txt'))).toEqual({ steps: 10, cachedSteps: 0 })
  })

  it('counts cached steps on a rebuild', () => {
    expect(parseProgress(fixture('multi-platform-cached.txt'))).toEqual({ steps: 10, cachedSteps: 10 })
  })

  it('leaves out internal vertices (context, Dockerfile, metadata)', () => {
    const output = '#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n#2 [base 1/1] FROM x\n#2 CACHED\n'
    expect(parseProgress(output)).toEqual({ steps: 1, cachedSteps: 1 })
  })
})

describe('describeFailure', () => {
  it('names the failing step, its last lines and BuildKit error', () => {
    const text = describeFailure(fixture('failed-run.txt'))
    expect(text).toContain('failed step: [stage-1 1/1] RUN echo "compiling step one"')
    expect(text).toContain('  compiling step one')
    expect(text).toContain('  error: cannot find module')
    expect(text).toMatch(/ERROR: failed to solve: .*exit code: 3$/)
  })

  it('keeps the last lines when no step failed', () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')
    const text = describeFailure(output, 5)
    expect(text.split('\n')).toEqual(['line 25', 'line 26', 'line 27', 'line 28', 'line 29'])
  })

  it('recognises an engine that is not running', () => {
    expect(isEngineUnreachable('ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')).toBe(true)
    expect(isEngineUnreachable(fixture('failed-run.txt'))).toBe(false)
  })
})

describe('buildx version', () => {
  it.each([
    ['github.com/docker/buildx v0.21.1 b2e5ce0', '0.21.1'],
    ['github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3', '0.13.1']
  ])('reads %p', (output, version) => {
    expect(parseBuildxVersion(output)).toBe(version)
  })

  it('compares versions numerically', () => {
    expect(versionAtLeast('0.21.0', '0.21.0')).toBe(true)
    expect(versionAtLeast('0.9.0', '0.21.0')).toBe(false)
    expect(versionAtLeast('0.13.1', '0.21.0')).toBe(false)
    expect(versionAtLeast('1.0.0', '0.21.0')).toBe(true)
  })
})
