import { describe, expect, it } from '@jest/globals'
import { defaultName, loadConfig, type ConfigFiles } from '../src/config/config.js'
import { InputError } from '../src/config/errors.js'
import { getInputs } from '../src/config/inputs.js'

const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')

function filesOf(contents: Record<string, string>): ConfigFiles & { reads: string[] } {
  const reads: string[] = []
  return {
    cwd: '/repo',
    reads,
    readText: async file => {
      reads.push(file)
      if (!(file in contents)) throw Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' })
      return contents[file]
    },
    exists: async file => file in contents
  }
}

describe('defaultName', () => {
  it.each([
    [{}, 'repo'],
    [{ target: 'runtime' }, 'repo-runtime'],
    [{ file: 'services/api/Dockerfile' }, 'services/api'],
    [{ context: 'services/web' }, 'services/web'],
    [{ file: 'docker/worker.Dockerfile', target: 'prod' }, 'docker/worker-prod'],
    [{ file: 'Dockerfile.alpine' }, 'alpine'],
    [{ image: 'ghcr.io/acme/api:1.2' }, 'ghcr.io/acme/api:1.2']
  ])('derives %p as %p', (values, name) => {
    expect(defaultName(inputsOf(values), '/repo')).toBe(name)
  })
})

describe('loadConfig', () => {
  it('reads the default budget file when it exists, with inline inputs on top', async () => {
    const files = filesOf({ '/repo/.github/image-budget.yml': 'images:\n  api:\n    max-size: 100MB\n    max-layers: 9\n' })
    const config = await loadConfig(inputsOf({ name: 'api', 'max-size': '90MiB' }), files)
    expect(config.budgetFile).toBe('.github/image-budget.yml')
    expect(config.budgets['max-size']).toEqual({ limit: 90 * 2 ** 20, unit: 'bytes', level: 'error', source: 'input max-size' })
    expect(config.budgets['max-layers']?.limit).toBe(9)
  })

  it('goes without a budget file when the default one is absent', async () => {
    const config = await loadConfig(inputsOf({}), filesOf({}))
    expect(config.budgetFile).toBeUndefined()
    expect(config.budgets).toEqual({})
  })

  it('fails on a budget file that was named but cannot be read', async () => {
    await expect(loadConfig(inputsOf({ 'budget-file': 'budgets.yml' }), filesOf({}))).rejects.toThrow(
      /Input "budget-file": cannot read "budgets.yml" \(ENOENT/
    )
  })

  it.each([
    [{ 'max-size': '10 MBs' }, /Input "max-size": "10 MBs" has an unknown unit "MBs"/],
    [{ 'max-layers': 'ten' }, /Input "max-layers": "ten" is not a whole, non-negative number/],
    [{ platforms: 'linux-amd64' }, /Input "platforms": "linux-amd64" is not a platform/],
    [{ secrets: 'novalue' }, /Input "secrets": "\*\*\*" is not of the form id=value/],
    [{ 'secret-files': '=x' }, /Input "secret-files": "\*\*\*" is not of the form id=value/],
    [{ push: 'true' }, /Input "push" is true but "tags" is empty/]
  ])('refuses %p with a message naming the input', async (values, message) => {
    const attempt = loadConfig(inputsOf(values), filesOf({}))
    await expect(attempt).rejects.toThrow(InputError)
    await expect(loadConfig(inputsOf(values), filesOf({}))).rejects.toThrow(message)
  })

  it('parses secrets without echoing their values, and resolves secret files', async () => {
    const config = await loadConfig(inputsOf({ secrets: 'npm=tok=en\ngh=x', 'secret-files': 'key=keys/id_rsa' }), filesOf({}))
    expect(config.secrets).toEqual([
      { id: 'npm', value: 'tok=en' },
      { id: 'gh', value: 'x' }
    ])
    expect(config.secretFiles).toEqual([{ id: 'key', path: '/repo/keys/id_rsa' }])
  })
})
