import { expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import type { Report } from '../src/report/report.js'
import { runActionStep, runCliProcess } from './helpers/action.js'
import { describeWithEngine, makeContext } from './helpers/engine.js'
import { fixturePath, trivyStandIn } from './helpers/trivy-standin.js'
import { removeTempDir, tempDir } from './helpers/temp.js'
import { DEFAULT_TRIVY_VERSION } from '../src/scan/install.js'

describeWithEngine('the action and the CLI on the real engine', () => {
  const context = makeContext()
  const platforms = 'linux/amd64,linux/arm64'

  it('writes outputs, report and summary, and fails the step one byte under the size, not one over', () => {
    const first = runActionStep(context, { platforms, name: 'app' })
    expect(first.exitCode).toBe(0)
    const report = JSON.parse(readFileSync(first.outputs.report, 'utf8')) as Report
    const largest = Math.max(...report.platforms.map(platform => platform.size))
    expect(first.outputs).toMatchObject({ verdict: 'pass', size: String(largest) })
    expect(Number(first.outputs['compressed-size'])).toBe(
      report.platforms.find(platform => platform.size === largest)!.compressedSize
    )
    expect(first.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(first.outputs.imageid).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(JSON.parse(first.outputs.metadata)['containerimage.digest']).toBe(first.outputs.digest)
    expect(first.summary).toContain('### image-budget: app')
    expect(first.summary).toContain('| linux/amd64 |')
    expect(first.summary).toContain('| linux/arm64 |')

    const under = runActionStep(context, { platforms, name: 'app', 'max-size': String(largest - 1) })
    expect(under.exitCode).toBe(1)
    expect(under.outputs.verdict).toBe('fail')
    expect(under.stdout).toMatch(/::error::Image budget exceeded: max-size on linux\/\w+: .* is over the limit of/)
    expect(under.summary).toContain('❌ fail')
    const underReport = JSON.parse(readFileSync(under.outputs.report, 'utf8')) as Report
    const failed = underReport.budgets.filter(budget => budget.status === 'fail')
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ rule: 'max-size', limit: largest - 1, actual: largest, level: 'error' })

    const over = runActionStep(context, { platforms, name: 'app', 'max-size': String(largest + 1) })
    expect(over.exitCode).toBe(0)
    expect(over.outputs.verdict).toBe('pass')
    expect(over.summary).toContain('✅ pass')
  })

  it('warns without failing for a warning-level budget, and fails on it with fail-on: warning', () => {
    const budgets = 'defaults:\n  max-layers: { limit: 1, level: warning }\n'
    const files = makeContext(undefined, { 'budget.yml': budgets })
    const warned = runActionStep(files, { 'budget-file': 'budget.yml' })
    expect(warned.exitCode).toBe(0)
    expect(warned.outputs.verdict).toBe('warn')
    expect(warned.stdout).toMatch(/::warning title=image-budget%3A max-layers::max-layers on linux\/amd64: \d+ is over the limit of 1/)
    const strict = runActionStep(files, { 'budget-file': 'budget.yml', 'fail-on': 'warning' })
    expect(strict.exitCode).toBe(1)
    expect(strict.outputs.verdict).toBe('warn')
  })

  it('masks secret values in the log and hands them to the build as secret files', () => {
    const secretContext = makeContext(
      'FROM scratch AS base\nCOPY busybox/amd64/busybox /bin/busybox\nSHELL ["/bin/busybox", "sh", "-c"]\n' +
        'RUN --mount=type=secret,id=token /bin/busybox sh -c \'test "$(/bin/busybox cat /run/secrets/token)" = "s3cr3t-value" && echo "token is $(/bin/busybox cat /run/secrets/token)"\'\n'
    )
    const step = runActionStep(secretContext, { secrets: 'token=s3cr3t-value', 'no-cache': 'true' })
    expect(step.exitCode).toBe(0)
    expect(step.stdout).toContain('::add-mask::s3cr3t-value')
  })

  it.each(['folder', 'stream', 'registry'])('keeps the secret of a failing build out of every file it writes (export-mode %s)', mode => {
    const secret = `s3cr3t-${mode}-value`
    const failing = makeContext(
      'FROM scratch\nCOPY busybox/amd64/busybox /bin/busybox\n' +
        'RUN --mount=type=secret,id=token ["/bin/busybox", "sh", "-c", "echo token is $(/bin/busybox cat /run/secrets/token); exit 3"]\n'
    )
    const runnerTemp = tempDir('image-budget-runner-temp-')
    try {
      const step = runActionStep(failing, { secrets: `token=${secret}`, 'no-cache': 'true', 'export-mode': mode }, { RUNNER_TEMP: runnerTemp })
      expect(step.exitCode).toBe(1)
      // The build printed it: the runner hides it only from the line that asks it to on.
      expect(step.stdout).toContain(`token is ${secret}`)
      expect(step.stdout.indexOf(`::add-mask::${secret}`)).toBeLessThan(step.stdout.indexOf(`token is ${secret}`))
      expect(step.outputs.report).toBeDefined()
      expect(JSON.parse(readFileSync(step.outputs.report, 'utf8')).error).toMatch(/exit code: 3/)
      const written = [runnerTemp, failing].flatMap(dir =>
        readdirSync(dir, { recursive: true, withFileTypes: true }).filter(entry => entry.isFile()).map(entry => path.join(entry.parentPath, entry.name))
      )
      expect(written).toContain(step.outputs.report)
      expect(written.filter(file => readFileSync(file).includes(secret))).toEqual([])
      expect(JSON.stringify(step.outputs) + step.summary).not.toContain(secret)
    } finally {
      removeTempDir(runnerTemp)
    }
  })

  it('scans every platform with the trivy on PATH (a stand-in here) and gates on max-vulnerabilities', () => {
    const trivy = trivyStandIn({ version: DEFAULT_TRIVY_VERSION, report: fixturePath('alpine-39') })
    const env = { PATH: `${trivy.dir}:${process.env.PATH}` }
    const step = runActionStep(context, { platforms, name: 'scanned', scan: 'true', 'max-vulnerabilities': 'critical=0', sarif: 'out/trivy.sarif' }, env)
    expect(step.exitCode).toBe(1)
    expect(step.stdout).toContain(`Using trivy ${DEFAULT_TRIVY_VERSION} from PATH`)
    // One run per platform, each on an OCI layout of that platform only.
    const calls = trivy.calls()
    expect(calls).toHaveLength(2)
    expect(calls.every(call => call[0] === 'image' && call.includes('--input'))).toBe(true)
    expect(JSON.parse(step.outputs.vulnerabilities)).toEqual({ critical: 2, high: 0, medium: 4, low: 0, unknown: 0 })
    expect(step.outputs.sarif).toBe(`${context}/out/trivy.sarif`)
    expect(JSON.parse(readFileSync(step.outputs.sarif, 'utf8')).runs[0].results).toHaveLength(12)
    const report = JSON.parse(readFileSync(step.outputs.report, 'utf8')) as Report
    expect(report.budgets.filter(budget => budget.rule === 'max-vulnerabilities').map(budget => [budget.platform, budget.actual, budget.status])).toEqual([
      ['linux/amd64', 2, 'fail'],
      ['linux/arm64', 2, 'fail']
    ])
    expect(step.summary).toContain(`#### Vulnerabilities (trivy ${DEFAULT_TRIVY_VERSION})`)
    expect(step.summary).toContain('| CRITICAL | CVE-2019-14697 | musl |')

    // The same failure with scan-failure: warning keeps the step green and the sizes reported.
    const broken = trivyStandIn({ version: DEFAULT_TRIVY_VERSION, report: fixturePath('alpine-39'), failures: 9, failure: 'FATAL scan error: disk full' })
    const warned = runActionStep(context, { platforms, name: 'scanned', scan: 'true', 'scan-failure': 'warning' }, { PATH: `${broken.dir}:${process.env.PATH}` })
    expect(warned.exitCode).toBe(0)
    expect(warned.stdout).toMatch(/::warning::The image was not scanned \(scan-failure: warning\): trivy failed on linux\/amd64/)
    expect(warned.outputs.vulnerabilities).toBe('')
    expect(Number(warned.outputs.size)).toBeGreaterThan(0)
  })

  it('runs as a CLI with exit status 0 within budget, 1 over it and 2 for bad input or no engine', () => {
    const within = runCliProcess(context, ['--platforms', platforms, '--max-size', '1GB', '--report', 'cli-report.json'])
    expect(within.exitCode).toBe(0)
    expect(within.stdout).toMatch(/^image-budget: .*: PASS/)
    expect(within.stdout).toMatch(/max-size\s+linux\/amd64\s+1\.00 GB\s+[\d.]+ MB\s+PASS/)
    const report = JSON.parse(readFileSync(`${context}/cli-report.json`, 'utf8')) as Report
    expect(report.platforms).toHaveLength(2)

    const over = runCliProcess(context, ['--max-size', '1kB', '.'])
    expect(over.exitCode).toBe(1)
    expect(over.stdout).toMatch(/max-size\s+linux\/amd64\s+1\.00 kB\s+[\d.]+ MB\s+FAIL/)

    const bad = runCliProcess(context, ['--max-size', '12 bananas'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('Input "max-size": "12 bananas" has an unknown unit "bananas"')

    const unknown = runCliProcess(context, ['--max-sise', '1MB'])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toContain("Unknown option '--max-sise'")

    // docker runs with the environment as it is (buildx reads the runner's variables the same way).
    const noEngine = runCliProcess(context, [], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' })
    expect(noEngine.exitCode).toBe(2)
    expect(noEngine.stderr).toContain('The Docker engine is not reachable')
  })
})
