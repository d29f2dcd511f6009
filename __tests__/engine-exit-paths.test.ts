// Every exit path leaves a report: bad input, and a step cancelled while it builds (the runner's
// SIGINT/SIGTERM), which also leaves no secret file behind.
import { expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { parseOutputFile, runActionStep } from './helpers/action.js'
import { describeWithEngine, makeContext } from './helpers/engine.js'
import { tempDir } from './helpers/temp.js'

const ROOT = path.resolve(new URL('..', import.meta.url).pathname)

describeWithEngine('a report on every exit path', () => {
  it('writes the report when an input cannot be read, with the input named', () => {
    const context = makeContext()
    const step = runActionStep(context, { name: 'bad-input', 'fail-on': 'sometimes' })
    expect(step.exitCode).toBe(1)
    expect(step.outputs.verdict).toBe('fail')
    expect(step.stdout).toContain('Input "fail-on" must be one of error, warning, never, got "sometimes"')
    expect(JSON.parse(readFileSync(step.outputs.report, 'utf8'))).toMatchObject({
      schemaVersion: 1,
      name: 'bad-input',
      verdict: 'fail',
      error: 'Input "fail-on" must be one of error, warning, never, got "sometimes"'
    })
  })

  it('writes what it has when the step is cancelled during the build, and removes the secret file', async () => {
    const context = makeContext(
      'FROM scratch\nCOPY busybox/amd64/busybox /bin/busybox\nRUN --mount=type=secret,id=token ["/bin/busybox", "sleep", "30"]\n'
    )
    const runnerTemp = tempDir('image-budget-cancel-')
    const output = path.join(runnerTemp, 'output')
    writeFileSync(output, '')
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: output, INPUT_NAME: 'cancelled', INPUT_SCAN: 'false', INPUT_SECRETS: 'token=cancel-me-s3cret', 'INPUT_NO-CACHE': 'true' }
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/index.js')], { cwd: context, env, stdio: 'ignore' })
    const report = path.join(runnerTemp, 'image-budget', 'cancelled.json')
    // Cancelled once the build is under way: its secret file is on disk by then.
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline && !readdirSync(runnerTemp).some(name => name.startsWith('image-budget-') && existsSync(path.join(runnerTemp, name, 'secrets')))) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    child.kill('SIGTERM')
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    expect(code).toBe(143)
    const written = JSON.parse(readFileSync(report, 'utf8'))
    expect(written).toMatchObject({ name: 'cancelled', verdict: 'fail', error: 'The step was cancelled (SIGTERM) before the image was measured and budgeted' })
    expect(parseOutputFile(readFileSync(output, 'utf8'))).toMatchObject({ verdict: 'fail', report })
    expect(readdirSync(runnerTemp).filter(name => name.startsWith('image-budget-'))).toEqual([])
    expect(JSON.stringify(written)).not.toContain('cancel-me-s3cret')
  })
})
