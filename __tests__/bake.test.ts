import { describe, expect, it } from '@jest/globals'
import { bakeArgs, bakeVariables, isBake, parseBakePrint, printArgs, targetInputs } from '../src/build/bake.js'
import { InputError } from '../src/config/errors.js'
import { getInputs } from '../src/config/inputs.js'

const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')

describe('bake arguments', () => {
  it('names the definition, overrides, source and targets as docker/bake-action does', () => {
    expect(printArgs(inputsOf({ files: 'a.hcl,b.hcl', set: '*.platforms=linux/amd64\napi.args.X=1,2', targets: 'api,worker', source: '.' }))).toEqual([
      'buildx', 'bake', '--print', '--file', 'a.hcl', '--file', 'b.hcl', '--set', '*.platforms=linux/amd64', '--set', 'api.args.X=1,2', '.', 'api', 'worker'
    ])
  })

  it.each<[string, Record<string, string>, string, string[]]>([
    ['a layout per target, nothing else', {}, '', ['--set', 'api.output+=type=oci,dest=/w/oci/api,tar=false']],
    ['push as an output of each target', { push: 'true' }, '', ['--set', 'api.output+=type=registry', '--set', 'api.output+=type=oci,dest=/w/oci/api,tar=false']],
    ['load as an output of each target', { load: 'true' }, '', ['--set', 'api.output+=type=docker', '--set', 'api.output+=type=oci,dest=/w/oci/api,tar=false']],
    ['push and load as one exporter on the docker driver', { push: 'true', load: 'true' }, 'docker', ['--set', 'api.output+=type=image,push=true', '--set', 'api.output+=type=oci,dest=/w/oci/api,tar=false']]
  ])('%s', (_title, values, driver, outputs) => {
    const args = bakeArgs(inputsOf({ files: 'docker-bake.hcl', ...values }), ['api'], '/w', driver)
    expect(args.slice(0, 9)).toEqual(['buildx', 'bake', '--progress=plain', '--metadata-file', '/w/metadata.json', '--file', 'docker-bake.hcl', '--allow', 'fs.write=/w'])
    expect(args.slice(9)).toEqual(outputs)
  })

  it('passes provenance, sbom, no-cache and pull', () => {
    expect(bakeArgs(inputsOf({ provenance: 'false', sbom: 'true', 'no-cache': 'true', pull: 'true' }), [], '/w').slice(7)).toEqual([
      '--no-cache', '--pull', '--provenance', 'disabled=true', '--sbom', 'disabled=false'
    ])
  })

  it('reads vars as the environment, naming a bad one', () => {
    expect(bakeVariables(inputsOf({ vars: 'TAG=1.2\nREPO=a=b' }))).toEqual({ TAG: '1.2', REPO: 'a=b' })
    expect(() => bakeVariables(inputsOf({ vars: 'TAG' }))).toThrow('Input "vars": "TAG" is not of the form NAME=value')
  })

  it('is a bake run with files, targets or a source, and not otherwise', () => {
    expect(isBake(inputsOf({ targets: 'api' }))).toBe(true)
    expect(isBake(inputsOf({ context: '.' }))).toBe(false)
  })
})

describe('the bake definition', () => {
  const printed = JSON.stringify({
    group: { default: { targets: ['api', 'worker'] } },
    target: {
      api: { context: 'services/api', dockerfile: 'Dockerfile', target: 'runtime', tags: ['r/api:1'], args: { NODE: '24' }, labels: { team: 'core' } },
      worker: { context: '.', dockerfile: 'docker/worker.Dockerfile', platforms: ['linux/amd64', 'linux/arm64'] }
    }
  })

  it('becomes one set of build inputs per target, paths relative to the working folder', () => {
    const [api, worker] = parseBakePrint(`#1 reading docker-bake.hcl\n${printed}`, '/repo')
    expect(api).toEqual({ name: 'api', context: 'services/api', dockerfile: 'services/api/Dockerfile', target: 'runtime', platforms: [], tags: ['r/api:1'], buildArgs: ['NODE=24'], labels: ['team=core'] })
    expect(worker.dockerfile).toBe('docker/worker.Dockerfile')
    const inputs = targetInputs(inputsOf({ 'max-size': '10MB' }), worker)
    expect(inputs).toMatchObject({ name: 'worker', context: '.', file: 'docker/worker.Dockerfile', platforms: ['linux/amd64', 'linux/arm64'], 'max-size': '10MB' })
  })

  it('refuses a definition without targets, naming the inputs', () => {
    expect(() => parseBakePrint('{"group":{}}', '/repo')).toThrow(InputError)
    expect(() => parseBakePrint('{"group":{}}', '/repo')).toThrow('Inputs "files" and "targets": the bake definition has no targets')
    expect(() => parseBakePrint('nothing', '/repo')).toThrow('docker buildx bake --print did not print a bake definition')
  })
})

describe('the name of a bake run', () => {
  it('comes from its targets, else its files, so that two bake steps keep two comments', async () => {
    const { bakeRunName } = await import('../src/main.js')
    expect(bakeRunName(inputsOf({ targets: 'api,worker' }))).toBe('api+worker')
    expect(bakeRunName(inputsOf({ files: 'ci/docker-bake.hcl' }))).toBe('docker-bake')
    expect(bakeRunName(inputsOf({ source: '.' }))).toBe('bake')
  })
})

describe('the specs of a bake run', () => {
  const printing = (targets: Record<string, object>) => (async () => ({ exitCode: 0, stdout: JSON.stringify({ target: targets }), stderr: '' })) as never

  it('puts each target report in a folder of the run, never on the run report', async () => {
    const { resolveSpecs } = await import('../src/pipeline/spec.js')
    const specs = await resolveSpecs(inputsOf({ targets: 'app' }), { cwd: '/repo', tempRoot: '/t', exec: printing({ app: { context: '.' } }) })
    expect(specs.map(spec => spec.reportPath)).toEqual(['/t/image-budget/app/app.json'])
    expect(specs[0].origin).toEqual({ kind: 'bake', target: 'app' })
  })

  it('refuses two targets that would share files', async () => {
    const { resolveSpecs } = await import('../src/pipeline/spec.js')
    await expect(resolveSpecs(inputsOf({ targets: 'default' }), { cwd: '/repo', tempRoot: '/t', exec: printing({ app: {}, 'app-': {} }) })).rejects.toThrow(
      'targets "app" and "app-" would share files (app): rename one'
    )
  })
})
