import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import * as core from '../__fixtures__/core.js'
import { tempDir } from './helpers/temp.js'

jest.unstable_mockModule('@actions/core', () => core)
const { run } = await import('../src/main.js')

function withInputs(values: Record<string, string>): void {
  core.getInput.mockImplementation(name => values[name] ?? '')
}

describe('run', () => {
  let workspace: string
  let cwd: string
  beforeEach(() => {
    jest.clearAllMocks()
    cwd = process.cwd()
    workspace = tempDir('image-budget-ws-')
    process.env.RUNNER_TEMP = path.join(workspace, 'runner-temp')
  })

  const inWorkspace = async (work: () => Promise<void>): Promise<void> => {
    process.chdir(workspace)
    try {
      await work()
    } finally {
      process.chdir(cwd)
    }
  }

  it('fails the step once, naming the input and its value', async () => {
    withInputs({ 'max-size': '150 MBs' })
    await inWorkspace(run)
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed).toHaveBeenCalledWith('Input "max-size": "150 MBs" has an unknown unit "MBs" (use B, kB, MB, GB, TB or KiB, MiB, GiB, TiB)')
  })

  it('fails on a missing Dockerfile before building, and still writes the report and outputs', async () => {
    withInputs({ file: 'docker/api.Dockerfile', name: 'api' })
    await inWorkspace(run)
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    const message = core.setFailed.mock.calls[0][0] as string
    expect(message).toMatch(/^Input "file": the Dockerfile "docker\/api.Dockerfile" does not exist \(resolved to .*docker\/api.Dockerfile\)$/)
    const reportPath = path.join(workspace, 'runner-temp', 'image-budget', 'api.json')
    expect(core.setOutput).toHaveBeenCalledWith('report', reportPath)
    expect(core.setOutput).toHaveBeenCalledWith('verdict', 'fail')
    const report = JSON.parse(readFileSync(reportPath, 'utf8'))
    expect(report).toMatchObject({ schemaVersion: 1, name: 'api', verdict: 'fail', platforms: [], budgets: [] })
    expect(report.error).toBe(message)
  })

  it('fails on a malformed budget file, naming file, line, key and value', async () => {
    mkdirSync(path.join(workspace, '.github'))
    writeFileSync(path.join(workspace, '.github/image-budget.yml'), 'defaults:\n  max-size: lots\n')
    writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n')
    withInputs({})
    await inWorkspace(run)
    expect(core.setFailed).toHaveBeenCalledWith('.github/image-budget.yml:2: defaults.max-size: "lots" is not a size (examples: 150MB, 150MiB, 157286400)')
  })

  it('fails on a context that is not a folder', async () => {
    withInputs({ context: 'nowhere' })
    await inWorkspace(run)
    expect(core.setFailed).toHaveBeenCalledWith(expect.stringMatching(/^Input "context": "nowhere" is not a directory/))
  })
})
