// Every exit path leaves a report: bad input, a step cancelled while it builds (the runner's
// SIGINT/SIGTERM), which also leaves no secret file behind, and a CLI run interrupted (Ctrl-C) while
// an engine image streams.
import { expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { DIST, parseOutputFile, runActionStep } from './helpers/action.js'
import { describeWithEngine, docker, makeContext } from './helpers/engine.js'
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

  it('stops quietly with 130 and its report when the CLI is interrupted while docker image save streams a layer', async () => {
    // Ctrl-C signals the whole process group: docker image save stops too, in the middle of a layer.
    const context = makeContext('FROM scratch\nCOPY large.bin /large.bin\n')
    writeFileSync(path.join(context, 'large.bin'), randomBytes(300 * 2 ** 20))
    const tag = `image-budget-test/interrupted:${randomBytes(4).toString('hex')}`
    docker(['buildx', 'build', '--quiet', '--load', '--tag', tag, context])
    try {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, IMAGE_BUDGET_CACHE_DIR: tempDir('image-budget-cli-cache-') }
      const child = spawn(process.execPath, [path.join(DIST, 'cli/index.js'), '--image', tag, '--scan', 'false'], { cwd: context, env, detached: true })
      let stderr = ''
      child.stderr.setEncoding('utf8')
      child.stderr.on('data', (text: string) => {
        if (!stderr.includes('as the image streams') && (stderr + text).includes('as the image streams')) process.kill(-child.pid!, 'SIGINT')
        stderr += text
      })
      child.stdout.resume()
      const code = await new Promise<number | null>(resolve => child.on('close', resolve))
      expect(stderr).toContain('as the image streams')
      expect(stderr).not.toMatch(/ImageNotFoundError|Error:|at file:/)
      expect(code).toBe(130)
      const report = readdirSync(context).find(name => name.startsWith('image-budget-') && name.endsWith('.json'))
      expect(JSON.parse(readFileSync(path.join(context, report!), 'utf8'))).toMatchObject({ verdict: 'fail', error: 'The step was cancelled (SIGINT) before the image was measured and budgeted' })
    } finally {
      docker(['image', 'rm', tag])
    }
  })
})
