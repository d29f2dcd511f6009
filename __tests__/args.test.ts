import { describe, expect, it } from '@jest/globals'
import { attestationAttributes, baseBuildInputs, refuseStdoutOutputs, cacheScope, cacheSpecs, exporterType, getArgs, hasActionsCache, measuredFromRegistry, parseDriver, secretEnvSpec, type CacheSpecs } from '../src/build/args.js'
import { treePath } from '../src/baseline/git.js'
import { InputError } from '../src/config/errors.js'
import { getInputs, type Inputs } from '../src/config/inputs.js'

const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')
const paths = { metadataFile: '/t/metadata.json', ociDir: '/t/oci', secretFiles: [] }
const noCache = { from: [], to: [] }
const HEAD = ['buildx', 'build', '--progress=plain', '--metadata-file', '/t/metadata.json']
const TAIL = ['--output', 'type=oci,dest=/t/oci,tar=false']

describe('getArgs', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['defaults', {}, [...HEAD, ...TAIL, '.']],
    [
      'file, target and platforms',
      { file: 'docker/Dockerfile', target: 'runtime', platforms: 'linux/amd64,linux/arm64', context: 'app' },
      [...HEAD, '--platform', 'linux/amd64,linux/arm64', '--file', 'docker/Dockerfile', '--target', 'runtime', ...TAIL, 'app']
    ],
    [
      'build args, labels and tags, one flag each',
      { 'build-args': 'A=1\nLIST=x,y', labels: 'l=1', tags: 'r/a:1,r/a:2' },
      [...HEAD, '--build-arg', 'A=1', '--build-arg', 'LIST=x,y', '--label', 'l=1', '--tag', 'r/a:1', '--tag', 'r/a:2', ...TAIL, '.']
    ],
    [
      'builder, no-cache and pull',
      { builder: 'ci-builder', 'no-cache': 'true', pull: 'true' },
      [...HEAD, '--builder', 'ci-builder', '--no-cache', '--pull', ...TAIL, '.']
    ],
    [
      'push and load stay next to the measured output, which comes last',
      { push: 'true', load: 'true', tags: 'r/a:1' },
      [...HEAD, '--tag', 'r/a:1', '--push', '--load', ...TAIL, '.']
    ],
    [
      'user cache specs, as given',
      { 'cache-from': 'type=registry,ref=r/a:cache', 'cache-to': 'type=registry,ref=r/a:cache,mode=max' },
      [...HEAD, ...TAIL, '.']
    ]
  ])('%s', (_title, values, expected) => {
    const inputs = inputsOf(values)
    expect(getArgs(inputs, noCache, paths)).toEqual(expected)
  })

  it('makes push and load one exporter on the docker driver, where two would race for the image name', () => {
    const inputs = inputsOf({ push: 'true', load: 'true', tags: 'r/a:1' })
    expect(getArgs(inputs, noCache, paths, { driver: 'docker' })).toEqual([...HEAD, '--tag', 'r/a:1', '--output', 'type=image,push=true', ...TAIL, '.'])
    expect(getArgs(inputs, noCache, paths, { driver: 'docker-container' })).toEqual([...HEAD, '--tag', 'r/a:1', '--push', '--load', ...TAIL, '.'])
    expect(getArgs(inputsOf({ push: 'true', tags: 'r/a:1' }), noCache, paths, { driver: 'docker' })).toEqual([...HEAD, '--tag', 'r/a:1', '--push', ...TAIL, '.'])
  })

  // Every input of docker/build-push-action v7, flag for flag as it passes them.
  it.each<[string, Record<string, string>, string[]]>([
    ['add-hosts, comma or newline separated', { 'add-hosts': 'db:10.0.0.2,cache:10.0.0.3' }, ['--add-host', 'db:10.0.0.2', '--add-host', 'cache:10.0.0.3']],
    ['allow', { allow: 'network.host\nsecurity.insecure' }, ['--allow', 'network.host', '--allow', 'security.insecure']],
    ['annotations keep their commas', { annotations: 'index:org.opencontainers.image.title=a,b' }, ['--annotation', 'index:org.opencontainers.image.title=a,b']],
    ['build-contexts', { 'build-contexts': 'alpine=docker-image://alpine:3.20\nsrc=../src' }, ['--build-context', 'alpine=docker-image://alpine:3.20', '--build-context', 'src=../src']],
    ['secret-envs as env secrets', { 'secret-envs': 'npm=NPM_TOKEN,gh=GH_TOKEN' }, ['--secret', 'id=npm,env=NPM_TOKEN', '--secret', 'id=gh,env=GH_TOKEN']],
    ['ssh', { ssh: 'default' }, ['--ssh', 'default']],
    ['cgroup-parent, network, shm-size and ulimit', { 'cgroup-parent': 'ci', network: 'host', 'shm-size': '2g', ulimit: 'nofile=1024:1024' }, ['--cgroup-parent', 'ci', '--network', 'host', '--shm-size', '2g', '--ulimit', 'nofile=1024:1024']],
    ['no-cache-filters', { 'no-cache-filters': 'build,test' }, ['--no-cache-filter', 'build', '--no-cache-filter', 'test']],
    ['provenance false disables it', { provenance: 'false' }, ['--attest', 'type=provenance,disabled=true']],
    ['provenance mode=max', { provenance: 'mode=max' }, ['--attest', 'type=provenance,mode=max']],
    ['sbom true', { sbom: 'true' }, ['--attest', 'type=sbom,disabled=false']],
    ['attests other than provenance and sbom, as given', { attests: 'type=sbom,generator=image\ntype=custom,x=y' }, ['--attest', 'type=sbom,generator=image', '--attest', 'type=custom,x=y']],
    ['the sbom input wins over an sbom in attests', { sbom: 'false', attests: 'type=sbom,generator=image' }, ['--attest', 'type=sbom,disabled=true']],
    ['user outputs, before the measured layout', { outputs: 'type=local,dest=out\ntype=tar,dest=out.tar' }, ['--output', 'type=local,dest=out', '--output', 'type=tar,dest=out.tar']]
  ])('%s', (_title, values, flags) => {
    const args = getArgs(inputsOf(values), noCache, paths)
    expect(args.slice(HEAD.length, -TAIL.length - 1)).toEqual(flags)
    expect(args.slice(-TAIL.length - 1)).toEqual([...TAIL, '.'])
  })

  it('defaults provenance as docker/build-push-action does on GitHub: max for public repositories, min for private, none with load', () => {
    const run = { url: 'https://github.com/acme/shop/actions/runs/7/attempts/1', privateRepository: false }
    const provenance = (values: Record<string, string>, setting: Parameters<typeof getArgs>[3]) =>
      getArgs(inputsOf(values), noCache, paths, setting).filter((_arg, i, all) => all[i - 1] === '--attest')
    expect(provenance({}, { run })).toEqual([`type=provenance,mode=max,builder-id=${run.url}`])
    expect(provenance({}, { run: { ...run, privateRepository: true } })).toEqual([`type=provenance,mode=min,inline-only=true,builder-id=${run.url}`])
    expect(provenance({ load: 'true' }, { run })).toEqual([])
    expect(provenance({ outputs: 'type=docker' }, { run })).toEqual([])
    expect(provenance({}, { run, noDefaultAttestations: true })).toEqual([])
    // A builder that makes no attestation gets no default; one asked for is passed on (buildx then says why not).
    expect(provenance({}, { run, noAttestations: true })).toEqual([])
    expect(provenance({ provenance: 'mode=max' }, { run, noAttestations: true })).toEqual(['type=provenance,mode=max'])
    expect(provenance({}, {})).toEqual([])
    expect(provenance({ attests: 'type=provenance,mode=min' }, { run })).toEqual([`type=provenance,mode=min,builder-id=${run.url}`])
  })

  it('with call, evaluates the build and exports nothing', () => {
    expect(getArgs(inputsOf({ call: 'check,format=json', tags: 'r/a:1', push: 'true' }), noCache, paths)).toEqual([
      ...HEAD,
      '--tag',
      'r/a:1',
      '--call',
      'check,format=json',
      '.'
    ])
  })

  it('reads attestation booleans and exporter types as buildx does', () => {
    expect(attestationAttributes('type=provenance,true')).toBe('type=provenance,disabled=false')
    expect(attestationAttributes('type=provenance, 0')).toBe('type=provenance,disabled=true')
    expect(exporterType('type=registry,ref=r/a')).toBe('registry')
    expect(exporterType('./out')).toBe('local')
    expect(exporterType('-')).toBe('tar')
  })

  it('names secret-envs and the value when one is not id=ENV_VAR', () => {
    expect(secretEnvSpec('npm=NPM_TOKEN')).toBe('id=npm,env=NPM_TOKEN')
    expect(() => secretEnvSpec('NPM_TOKEN')).toThrow(InputError)
    expect(() => secretEnvSpec('NPM_TOKEN')).toThrow('Input "secret-envs": "NPM_TOKEN" is not of the form id=ENV_VAR')
  })

  it('reads the driver from buildx inspect', () => {
    expect(parseDriver('Name:          default\nDriver:        docker\nLast Activity: x\n')).toBe('docker')
    expect(parseDriver('Name:   builder\nDriver: docker-container\n')).toBe('docker-container')
    expect(parseDriver('')).toBe('')
  })

  it('passes secrets as files, never as values', () => {
    const args = getArgs(inputsOf({}), noCache, { ...paths, secretFiles: [{ id: 'npm', path: '/t/secrets/secret-0' }] })
    expect(args).toContain('--secret')
    expect(args[args.indexOf('--secret') + 1]).toBe('id=npm,src=/t/secrets/secret-0')
  })

  it('passes cache specs one flag each', () => {
    const args = getArgs(inputsOf({}), { from: ['type=local,src=/c'], to: ['type=local,dest=/c,mode=max'] }, paths)
    expect(args.slice(HEAD.length, HEAD.length + 4)).toEqual([
      '--cache-from',
      'type=local,src=/c',
      '--cache-to',
      'type=local,dest=/c,mode=max'
    ])
  })
})

describe('cache defaults', () => {
  const runner = { ACTIONS_RUNTIME_TOKEN: 'token', ACTIONS_RESULTS_URL: 'https://results.example/' }

  it('uses the GHA cache scoped by name when the runner has it and no cache is given', () => {
    expect(cacheSpecs(inputsOf({}), 'services/api-runtime', runner)).toEqual({
      from: ['type=gha,scope=services-api-runtime'],
      to: ['type=gha,scope=services-api-runtime,mode=max,ignore-error=true']
    })
  })

  it('also recognises the older ACTIONS_CACHE_URL', () => {
    expect(hasActionsCache({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'https://cache.example/' })).toBe(true)
    expect(hasActionsCache({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false)
    expect(hasActionsCache({ ACTIONS_RESULTS_URL: 'https://results.example/' })).toBe(false)
  })

  it('keeps the user cache when one side is given, and adds nothing off GitHub', () => {
    expect(cacheSpecs(inputsOf({ 'cache-from': 'type=local,src=/c' }), 'api', runner)).toEqual({
      from: ['type=local,src=/c'],
      to: []
    })
    expect(cacheSpecs(inputsOf({}), 'api', {})).toEqual({ from: [], to: [] })
  })

  it('makes scopes of plain characters', () => {
    expect(cacheScope('ghcr.io/acme/api:1.2')).toBe('ghcr.io-acme-api-1.2')
    expect(cacheScope('///')).toBe('image')
  })
})

describe('the build of the merge base (baseline: build)', () => {
  // The checkout is /repo (run from /repo/sub), the worktree /tree; /elsewhere and /repository are outside it.
  const inTree = treePath('/repo/sub', '/repo', '/tree')
  const gha = { from: ['type=gha,scope=api'], to: ['type=gha,scope=api,mode=max,ignore-error=true'] }
  const base = (values: Record<string, string>, cache: CacheSpecs = noCache) => baseBuildInputs(inputsOf(values), cache, inTree)

  it.each<[string, Record<string, string>, CacheSpecs, Partial<Inputs>, CacheSpecs]>([
    ['the context and the Dockerfile in the worktree', { context: 'app', file: 'app/Dockerfile.prod' }, noCache, { context: '/tree/sub/app', file: '/tree/sub/app/Dockerfile.prod' }, noCache],
    ['the default context, a path above the working folder', { context: '../lib' }, noCache, { context: '/tree/lib', file: '' }, noCache],
    ['a Dockerfile outside the repository stays where it is', { file: '/elsewhere/Dockerfile' }, noCache, { context: '/tree/sub', file: '/elsewhere/Dockerfile' }, noCache],
    ['a folder whose name begins like the repository is outside it', { file: '../../repository/Dockerfile' }, noCache, { file: '/repository/Dockerfile' }, noCache],
    [
      'nothing leaves the build: no push, load, outputs, tags or attestations',
      { push: 'true', load: 'true', tags: 'r/a:1,r/a:2', outputs: 'type=local,dest=out', provenance: 'mode=max', sbom: 'true', attests: 'type=sbom' },
      noCache,
      { push: false, load: false, tags: [], outputs: [], provenance: 'false', sbom: '', attests: [] },
      noCache
    ],
    ['the GitHub Actions cache is read, never written', {}, gha, { 'cache-from': gha.from, 'cache-to': [] }, { from: gha.from, to: [] }],
    [
      'the user cache is read, never written',
      { 'cache-from': 'type=local,src=/c', 'cache-to': 'type=local,dest=/c' },
      { from: ['type=local,src=/c'], to: ['type=local,dest=/c'] },
      { 'cache-from': ['type=local,src=/c'], 'cache-to': [] },
      { from: ['type=local,src=/c'], to: [] }
    ],
    [
      'folder build contexts move to the worktree; images, URLs and outside folders stay',
      { 'build-contexts': 'lib=../lib\nalpine=docker-image://alpine:3.20\nsrc=https://example.com/src.tar\nshared=/elsewhere/shared' },
      noCache,
      { 'build-contexts': ['lib=/tree/lib', 'alpine=docker-image://alpine:3.20', 'src=https://example.com/src.tar', 'shared=/elsewhere/shared'] },
      noCache
    ],
    [
      'build args, target, platforms, secrets and labels as the head has them',
      { 'build-args': 'A=1', target: 'runtime', platforms: 'linux/amd64,linux/arm64', 'secret-envs': 'npm=NPM_TOKEN', labels: 'l=1', 'no-cache': 'true' },
      noCache,
      { 'build-args': ['A=1'], target: 'runtime', platforms: ['linux/amd64', 'linux/arm64'], 'secret-envs': ['npm=NPM_TOKEN'], labels: ['l=1'], 'no-cache': true },
      noCache
    ]
  ])('%s', (_title, values, cache, expected, expectedCache) => {
    const derived = base(values, cache)
    expect(derived.inputs).toMatchObject(expected)
    expect(derived.cache).toEqual(expectedCache)
  })

  it('gives an argv with no tag, push, load, other output or cache-to: only the measured layout', () => {
    const derived = base({ push: 'true', load: 'true', tags: 'r/a:1', context: 'app', 'cache-from': 'type=local,src=/c', 'cache-to': 'type=local,dest=/c' }, { from: ['type=local,src=/c'], to: ['type=local,dest=/c'] })
    expect(getArgs(derived.inputs, derived.cache, paths, { driver: 'docker', run: { url: 'https://github.com/a/b/actions/runs/1/attempts/1', privateRepository: false } })).toEqual([
      ...HEAD,
      '--cache-from',
      'type=local,src=/c',
      '--attest',
      'type=provenance,disabled=true',
      ...TAIL,
      '/tree/sub/app'
    ])
  })

  it.each([
    ['a remote context', { context: 'https://github.com/acme/api.git#main' }, /Input "baseline": build needs a context in the checkout, and "https:\/\/github.com\/acme\/api.git#main" \(context\) is remote/],
    ['a context outside the repository', { context: '/elsewhere/app' }, /Input "baseline": build needs a context in the repository, and "\/elsewhere\/app" \(context\) is outside it/]
  ])('refuses %s, naming the input', (_title, values, message) => {
    expect(() => base(values)).toThrow(InputError)
    expect(() => base(values)).toThrow(message)
  })
})

describe('measuring a pushed build from its registry', () => {
  it('is chosen for a pushed, tagged build that is not scanned, and writes no layout beside the push', () => {
    const pushed = inputsOf({ push: 'true', tags: 'registry.example/app:1', scan: 'false' })
    expect(measuredFromRegistry(pushed)).toBe(true)
    const { ociDir: _layout, ...withoutLayout } = paths
    expect(getArgs(pushed, noCache, withoutLayout)).toEqual([...HEAD, '--tag', 'registry.example/app:1', '--push', '.'])
  })

  it.each([
    ['not pushed', { tags: 'registry.example/app:1', scan: 'false' }],
    ['pushed without a tag', { push: 'true', scan: 'false' }],
    ['a call instead of a build', { push: 'true', tags: 'registry.example/app:1', scan: 'false', call: 'check' }]
  ])('is not chosen for a build %s', (_title, values) => {
    expect(measuredFromRegistry(inputsOf(values))).toBe(false)
  })

  it('is chosen for a pushed build that Trivy scans: it scans the pushed image there, by digest', () => {
    expect(measuredFromRegistry(inputsOf({ push: 'true', tags: 'registry.example/app:1' }))).toBe(true)
  })


  it('streams the export of a build that is not pushed to standard output, last, with export-mode: stream', () => {
    const streamed = { metadataFile: '/t/metadata.json', ociStream: true, secretFiles: [] }
    expect(getArgs(inputsOf({ load: 'true', tags: 'app:1' }), noCache, streamed)).toEqual([...HEAD, '--tag', 'app:1', '--load', '--output', 'type=oci,dest=-', '.'])
  })

  const SINK = '127.0.0.1:40000/image-budget-0123:measured'
  const sinkOutput = `type=image,name=${SINK},push=true,store=false,registry.insecure=true`
  it.each([
    ['with no tag: the push to the step, last', {}, ['--output', sinkOutput, '.']],
    ['loaded with tags: the tags name the loaded image, never the push to the step', { load: 'true', tags: 'app:1\napp:latest' }, ['--output', 'type=docker,"name=app:1,app:latest"', '--output', sinkOutput, '.']],
    [
      'with outputs of its own: an image exporter without a name gets the tags, the others are as given',
      { tags: 'app:1', outputs: 'type=docker,dest=image.tar\ntype=local,dest=out\ntype=oci,name=other:2,dest=o.tar' },
      ['--output', 'type=docker,dest=image.tar,"name=app:1"', '--output', 'type=local,dest=out', '--output', 'type=oci,name=other:2,dest=o.tar', '--output', sinkOutput, '.']
    ]
  ])('pushes a build that is not pushed to the step (export-mode: registry) %s', (_title, values, tail) => {
    const paths = { metadataFile: '/t/metadata.json', pushTo: SINK, secretFiles: [] }
    const args = getArgs(inputsOf({ 'export-mode': 'registry', ...values }), noCache, paths)
    expect(args).not.toContain('--tag')
    expect(args).not.toContain('--load')
    expect(args.slice(HEAD.length)).toEqual(tail)
  })

  it.each([
    ['an image exporter', 'type=registry', true],
    ['a local exporter', 'type=local,dest=out', false],
    ['a bare path, a local exporter', './out', false],
    ['a tar exporter', 'type=tar,dest=image.tar', false]
  ])('writes an image ID file next to %s only where buildx takes one', (_title, output, written) => {
    const paths = { metadataFile: '/t/metadata.json', imageIdFile: '/t/iidfile', ociDir: '/t/oci', secretFiles: [] }
    const args = getArgs(inputsOf({ outputs: output }), noCache, paths)
    expect(args.includes('--iidfile')).toBe(written)
    expect(args).toContain(output)
  })

  const LOADED = 'image-budget-0123:measured'
  it.each([
    ['with no tag: under the step\'s name only', {}, ['--tag', LOADED, '--load', '.']],
    ['with tags and no load: the tags name nothing in the engine', { tags: 'app:1' }, ['--tag', LOADED, '--load', '.']],
    ['loaded with tags: under the tags and the step\'s name', { load: 'true', tags: 'app:1\napp:latest' }, ['--tag', 'app:1', '--tag', 'app:latest', '--tag', LOADED, '--load', '.']]
  ])('loads a build that is not pushed into a classic-store engine to be measured there %s', (_title, values, tail) => {
    const paths = { metadataFile: '/t/metadata.json', loadAs: LOADED, secretFiles: [] }
    const args = getArgs(inputsOf(values), noCache, paths)
    expect(args.filter(arg => arg.startsWith('type=oci'))).toEqual([])
    expect(args.slice(args.indexOf('--tag'))).toEqual(tail)
  })

  it('is chosen for a scanned build whose findings come from a given Trivy report', () => {
    expect(measuredFromRegistry(inputsOf({ push: 'true', tags: 'registry.example/app:1', 'trivy-report': 'trivy.json' }))).toBe(true)
  })
})

describe('outputs that write to standard output', () => {
  it.each([['type=tar,dest=-'], ['-'], ['type=oci, dest=-'], ['type=tar'], ['type=oci,oci-mediatypes=true']])('refuses %j for a build read from standard output, naming the input', output => {
    const streamed = inputsOf({ outputs: output, 'export-mode': 'stream' })
    expect(() => refuseStdoutOutputs(streamed)).toThrow(InputError)
    expect(() => refuseStdoutOutputs(streamed)).toThrow(`Input "outputs": "${output.trim()}" writes to standard output`)
  })

  it.each([
    ['a file', { outputs: 'type=tar,dest=image.tar', 'export-mode': 'stream' }],
    ['an image exporter, which needs no dest', { outputs: 'type=docker', 'export-mode': 'stream' }],
    ['a build whose layout buildx writes to a folder', { outputs: 'type=tar,dest=-' }],
    ['a pushed build, measured from its registry', { outputs: 'type=tar,dest=-', push: 'true', tags: 'registry.example/app:1', 'export-mode': 'stream' }],
    ['a call, which exports nothing', { outputs: 'type=tar,dest=-', call: 'check', 'export-mode': 'stream' }]
  ])('accepts %s', (_title, values) => {
    expect(() => refuseStdoutOutputs(inputsOf(values))).not.toThrow()
  })
})
