import { describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { BuildError, chosenExportMode, engineOnThisHost, runBuild, type ImageStore } from '../src/build/build.js'
import type { ExportMode } from '../src/config/inputs.js'
import { loadConfig } from '../src/config/config.js'
import { getInputs } from '../src/config/inputs.js'
import { createExec } from '../src/exec.js'
import type { Exec, ExecResult } from '../src/host.js'
import { RecordingHost } from './helpers/host.js'
import { removeTempDir, tempDir } from './helpers/temp.js'

async function configOf(values: Record<string, string>) {
  return loadConfig(getInputs(name => values[name] ?? ''), { cwd: '/repo', readText: async () => '', exists: async () => false })
}

/** An Exec that answers from a table and records each call. */
function scriptedExec(answers: Record<string, Partial<ExecResult>>): Exec & { calls: string[][] } {
  const calls: string[][] = []
  const exec = (async (command: string, args: string[]) => {
    calls.push([command, ...args])
    // buildx writes its metadata file on success.
    const metadata = args.indexOf('--metadata-file')
    if (metadata >= 0) writeFileSync(args[metadata + 1], '{"containerimage.digest":"sha256:x"}')
    const key = Object.keys(answers).find(prefix => [command, ...args].join(' ').startsWith(prefix))
    return { exitCode: 0, stdout: '', stderr: '', ...(key ? answers[key] : {}) }
  }) as Exec & { calls: string[][] }
  exec.calls = calls
  return exec
}

const runner = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://results.example/' }

describe('runBuild', () => {
  it('warns that a buildx older than 0.21 cannot use the GHA cache it defaults to on GitHub', async () => {
    const host = new RecordingHost()
    const exec = scriptedExec({ 'docker buildx version': { stdout: 'github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3\n' } })
    const workDir = tempDir('image-budget-build-')
    await runBuild(await configOf({ name: 'api' }), { exec, host, clock: { now: () => 0 }, env: runner, workDir, cwd: '/repo' })
    expect(host.warnings.map(warning => warning.message)).toEqual([expect.stringMatching(/^buildx 0\.13\.1 predates the GitHub Actions cache service v2/)])
    const build = exec.calls.find(call => call[1] === 'buildx' && call[2] === 'build')!
    expect(build).toEqual(expect.arrayContaining(['--cache-from', 'type=gha,scope=api', '--cache-to', 'type=gha,scope=api,mode=max,ignore-error=true']))
  })

  it('says nothing with a recent buildx, and asks nothing when the GHA cache is not used', async () => {
    const host = new RecordingHost()
    const recent = scriptedExec({ 'docker buildx version': { stdout: 'github.com/docker/buildx v0.21.2 1234abc\n' } })
    const workDir = tempDir('image-budget-build-')
    await runBuild(await configOf({ name: 'api' }), { exec: recent, host, clock: { now: () => 0 }, env: runner, workDir, cwd: '/repo' })
    const local = scriptedExec({})
    await runBuild(await configOf({ name: 'api' }), { exec: local, host, clock: { now: () => 0 }, env: {}, workDir, cwd: '/repo' })
    expect(host.warnings).toEqual([])
    expect(local.calls.map(call => call.slice(0, 3).join(' '))).toEqual(['docker buildx build'])
  })

  it.each([
    ['the classic image store', '[["Backing Filesystem","extfs"],["Supports d_type","true"]]', false],
    ['the containerd image store', '[["driver-type","io.containerd.snapshotter.v1"]]', true]
  ])('uses the GHA cache it defaults to on the docker driver with %s only where BuildKit can', async (_store, driverStatus, used) => {
    const host = new RecordingHost()
    const exec = scriptedExec({
      'docker buildx version': { stdout: 'github.com/docker/buildx v0.29.1 1234abc\n' },
      'docker buildx inspect': { stdout: 'Name: default\nDriver: docker\n' },
      'docker info --format {{json .DriverStatus}}': { stdout: `${driverStatus}\n` }
    })
    const workDir = tempDir('image-budget-build-')
    try {
      const result = await runBuild(await configOf({ name: 'api' }), { exec, host, clock: { now: () => 0 }, env: runner, workDir, cwd: '/repo' })
      const build = exec.calls.find(call => call[1] === 'buildx' && call[2] === 'build')!
      expect(build.some(arg => arg.startsWith('type=gha'))).toBe(used)
      expect(result.actionsCache?.used).toBe(used)
      expect(host.warnings.map(warning => warning.message)).toEqual(
        used ? [] : ['The GitHub Actions cache is not used for this build: the docker driver on the classic image store neither reads nor writes a build cache. Use docker/setup-buildx-action (the docker-container driver) or the containerd image store to cache the build.']
      )
    } finally {
      removeTempDir(workDir)
    }
  })

  it('names the inputs that asked for an attestation the builder does not make', async () => {
    const exec = scriptedExec({
      'docker buildx build': { exitCode: 1, stderr: 'ERROR: failed to build: Attestation is not supported for the docker driver.\nSwitch to a different driver, or turn on the containerd image store, and try again.\n' }
    })
    const workDir = tempDir('image-budget-build-')
    try {
      const attempt = runBuild(await configOf({ sbom: 'true', provenance: 'mode=max' }), { exec, host: new RecordingHost(), clock: { now: () => 0 }, env: {}, workDir, cwd: '/repo' })
      await expect(attempt).rejects.toThrow(BuildError)
      await expect(attempt).rejects.toThrow('Input "provenance", Input "sbom" ask for an attestation, which the docker driver on the classic image store does not make')
    } finally {
      removeTempDir(workDir)
    }
  })

  it('masks secret values and keeps the failing output for the error', async () => {
    const host = new RecordingHost()
    const exec = scriptedExec({ 'docker buildx build': { exitCode: 1, stderr: '#5 [2/2] RUN make\n#5 0.12 boom\n#5 ERROR: exit code 2\nERROR: failed to solve: exit code 2\n' } })
    const workDir = tempDir('image-budget-build-')
    const attempt = runBuild(await configOf({ secrets: 'npm=s3cr3t' }), { exec, host, clock: { now: () => 0 }, env: {}, workDir, cwd: '/repo' })
    await expect(attempt).rejects.toThrow(BuildError)
    await expect(attempt).rejects.toThrow('failed step: [2/2] RUN make\n  boom\nERROR: failed to solve: exit code 2')
    expect(host.secrets).toEqual(['s3cr3t'])
    expect(exec.calls[0].join(' ')).not.toContain('s3cr3t')
  })
})

describe('export-mode auto', () => {
  it.each<[string, ExportMode, ImageStore, boolean, string]>([
    ['the docker driver of an engine here, on the containerd store', 'auto', 'containerd', true, 'registry'],
    ['the docker driver of an engine elsewhere (a remote host, or a job container beside it)', 'auto', 'containerd', false, 'folder'],
    ['the classic store, which loads the build instead', 'auto', 'classic', true, 'folder'],
    ['the docker-container driver, whose BuildKit has a network of its own', 'auto', { driver: 'docker-container' }, true, 'folder'],
    ['the remote driver', 'auto', { driver: 'remote' }, false, 'folder'],
    ['a mode given: folder', 'folder', 'containerd', true, 'folder'],
    ['a mode given: stream', 'stream', 'containerd', true, 'stream'],
    ['a mode given: registry, refused later where it cannot work', 'registry', { driver: 'docker-container' }, false, 'registry']
  ])('with %s', (_case, requested, store, engineHere, chosen) => {
    expect(chosenExportMode(requested, store, engineHere)).toBe(chosen)
  })

  it.each([
    ['this machine', '["runner-1",["name=apparmor","name=seccomp,profile=builtin","name=cgroupns"]]\n', 0, true],
    ['this machine, no security options', '["runner-1",null]\n', 0, true],
    ['another machine', '["build-host",["name=seccomp,profile=builtin"]]\n', 0, false],
    ['a rootless engine, whose network namespace is its own', '["runner-1",["name=seccomp,profile=builtin","name=rootless","name=cgroupns"]]\n', 0, false],
    ['an engine that does not answer', '', 1, false],
    ['an answer that is not JSON', 'Cannot connect\n', 0, false],
    ['an answer of another shape', '{"Name":"runner-1"}\n', 0, false]
  ])('takes the engine for one on this machine by its host name: %s', async (_case, stdout, exitCode, here) => {
    const exec = scriptedExec({ 'docker info --format [{{json .Name}},{{json .SecurityOptions}}]': { stdout, exitCode } })
    expect(await engineOnThisHost(exec, '/repo', 'runner-1')).toBe(here)
  })
})

describe('createExec', () => {
  it('returns a failing exit code instead of throwing, with stderr kept', async () => {
    const result = await createExec()('sh', ['-c', 'echo oops >&2; exit 3'], { silent: true })
    expect(result).toEqual({ exitCode: 3, stdout: '', stderr: 'oops\n' })
  })

  it('fails call: check on a Dockerfile the checks cannot read, never passing it as clean', async () => {
    const { parseChecks } = await import('../src/build/build.js')
    expect(parseChecks('{"warnings":null,"sources":[],"buildError":{"message":"dockerfile parse error on line 1: unknown instruction: FORM"}}')).toBeUndefined()
    expect(parseChecks('{"warnings":[{"ruleName":"JSONArgsRecommended","description":"d","detail":"x","url":"u","location":{"ranges":[{"start":{"line":3}}]}}]}')).toEqual([
      { rule: 'JSONArgsRecommended', description: 'd', detail: 'x', url: 'u', line: 3 }
    ])
    const host = new RecordingHost()
    const exec = scriptedExec({ 'docker buildx build': { exitCode: 1, stdout: '{"warnings":null,"buildError":{"message":"unknown instruction: FORM"}}' } })
    const workDir = tempDir('image-budget-build-')
    await expect(runBuild(await configOf({ call: 'check' }), { exec, host, clock: { now: () => 0 }, env: {}, workDir, cwd: '/repo' })).rejects.toThrow(BuildError)
  })
})
