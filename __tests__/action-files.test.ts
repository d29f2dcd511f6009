import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import { parse } from 'yaml'
import { Input, Output } from '../src/constants.js'

const read = (file: string): string => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
const errorsOf = (result: { context: { errors: { getErrors(): Array<{ message: string }> } } }) =>
  result.context.errors.getErrors().map(error => error.message)

describe('action.yml', () => {
  const text = read('action.yml')
  const action = parse(text) as { inputs: Record<string, unknown>; outputs: Record<string, unknown>; runs: Record<string, string> }

  it('is a valid action manifest', () => {
    const result = parseAction({ name: 'action.yml', content: text }, new NoOperationTraceWriter())
    expect(errorsOf(result)).toEqual([])
    expect(result.value).toBeDefined()
  })

  it('runs dist/index.js on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('declares exactly the inputs and outputs the code reads and writes', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Input).sort())
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Output).sort())
  })

  it('is refused by the validator when it is broken, so the check above means something', () => {
    const broken = text.replace('  using: node24', '  using: node99')
    expect(errorsOf(parseAction({ name: 'action.yml', content: broken }, new NoOperationTraceWriter())).length).toBeGreaterThan(0)
  })
})

describe('workflows', () => {
  it.each(['ci.yml', 'e2e.yml'])('%s is a valid workflow', file => {
    const result = parseWorkflow({ name: file, content: read(`.github/workflows/${file}`) }, new NoOperationTraceWriter())
    expect(errorsOf(result)).toEqual([])
    expect(result.value).toBeDefined()
  })

  it('e2e runs the action itself after setting up qemu and buildx, for two platforms', () => {
    const workflow = parse(read('.github/workflows/e2e.yml')) as { jobs: Record<string, { steps: Array<Record<string, any>> }> }
    const steps = Object.values(workflow.jobs).flatMap(job => job.steps)
    const uses = steps.map(step => step.uses).filter(Boolean)
    expect(uses.indexOf('docker/setup-qemu-action@v3')).toBeLessThan(uses.indexOf('./'))
    expect(uses.indexOf('docker/setup-buildx-action@v3')).toBeLessThan(uses.indexOf('./'))
    const own = steps.find(step => step.uses === './')!
    expect(own.with.platforms).toBe('linux/amd64,linux/arm64')
  })
})

describe('README', () => {
  const readme = read('README.md')
  it('documents every input and output in its tables', () => {
    for (const name of [...Object.values(Input), ...Object.values(Output)]) {
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'))
    }
  })
})
