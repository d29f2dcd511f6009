import { describe, expect, it } from '@jest/globals'
import { evaluateBudgets, failsStep, verdictOf, type MeasuredPlatform } from '../src/budget/evaluate.js'

const amd64: MeasuredPlatform = {
  platform: 'linux/amd64',
  size: 1000,
  compressedSize: 400,
  layerCount: 3,
  layers: [
    { digest: 'sha256:a', size: 100 },
    { digest: 'sha256:b', size: 800 },
    { digest: 'sha256:c', size: 100 }
  ],
  wastedBytes: 150,
  efficiency: 0.85
}
const arm64: MeasuredPlatform = { ...amd64, platform: 'linux/arm64', size: 900, compressedSize: 380 }

describe('evaluateBudgets', () => {
  it('checks each platform on its own with the numbers that decided it', () => {
    const results = evaluateBudgets({ 'max-size': { limit: 950, level: 'error', source: 'input max-size', unit: 'bytes' } }, [amd64, arm64])
    expect(results).toEqual([
      { rule: 'max-size', platform: 'linux/amd64', limit: 950, actual: 1000, unit: 'bytes', level: 'error', status: 'fail' },
      { rule: 'max-size', platform: 'linux/arm64', limit: 950, actual: 900, unit: 'bytes', level: 'error', status: 'pass' }
    ])
  })

  it('passes at exactly the limit and fails one byte over it', () => {
    const at = evaluateBudgets({ 'max-size': { limit: 1000, level: 'error', source: 'x', unit: 'bytes' } }, [amd64])
    const under = evaluateBudgets({ 'max-size': { limit: 999, level: 'error', source: 'x', unit: 'bytes' } }, [amd64])
    expect(at[0].status).toBe('pass')
    expect(under[0].status).toBe('fail')
  })

  it('measures compressed size, layer count and the largest layer, naming that layer', () => {
    const results = evaluateBudgets(
      {
        'max-compressed-size': { limit: 500, level: 'error', source: 'x', unit: 'bytes' },
        'max-layers': { limit: 2, level: 'warning', source: 'x', unit: 'count' },
        'max-layer-size': { limit: 500, level: 'error', source: 'x', unit: 'bytes' }
      },
      [amd64]
    )
    expect(results).toEqual([
      { rule: 'max-compressed-size', platform: 'linux/amd64', limit: 500, actual: 400, unit: 'bytes', level: 'error', status: 'pass' },
      { rule: 'max-layers', platform: 'linux/amd64', limit: 2, actual: 3, unit: 'count', level: 'warning', status: 'warn' },
      { rule: 'max-layer-size', platform: 'linux/amd64', limit: 500, actual: 800, unit: 'bytes', level: 'error', status: 'fail', layer: 'sha256:b' }
    ])
  })
})

describe('waste budgets', () => {
  it('checks max-wasted in bytes or as a share of the size, and min-efficiency from below', () => {
    const results = evaluateBudgets(
      {
        'max-wasted': { limit: 0.1, unit: 'ratio', level: 'error', source: 'x' },
        'min-efficiency': { limit: 0.9, unit: 'ratio', level: 'warning', source: 'x' }
      },
      [amd64]
    )
    expect(results).toEqual([
      { rule: 'max-wasted', platform: 'linux/amd64', limit: 0.1, actual: 0.15, unit: 'ratio', level: 'error', status: 'fail' },
      { rule: 'min-efficiency', platform: 'linux/amd64', limit: 0.9, actual: 0.85, unit: 'ratio', level: 'warning', status: 'warn' }
    ])
    const bytes = evaluateBudgets({ 'max-wasted': { limit: 150, unit: 'bytes', level: 'error', source: 'x' } }, [amd64])
    expect(bytes[0]).toMatchObject({ actual: 150, status: 'pass' })
    const efficient = evaluateBudgets({ 'min-efficiency': { limit: 0.85, unit: 'ratio', level: 'error', source: 'x' } }, [amd64])
    expect(efficient[0].status).toBe('pass')
  })
})

describe('verdict and fail-on', () => {
  const result = (status: 'pass' | 'warn' | 'fail') =>
    ({ rule: 'max-size', platform: 'p', limit: 1, actual: 1, unit: 'bytes', level: 'error', status }) as const

  it('takes the worst status', () => {
    expect(verdictOf([])).toBe('pass')
    expect(verdictOf([result('pass'), result('warn')])).toBe('warn')
    expect(verdictOf([result('warn'), result('fail'), result('pass')])).toBe('fail')
  })

  it.each([
    ['pass', 'error', false],
    ['warn', 'error', false],
    ['fail', 'error', true],
    ['warn', 'warning', true],
    ['pass', 'warning', false],
    ['fail', 'never', false]
  ] as const)('verdict %s with fail-on %s fails the step: %s', (verdict, failOn, fails) => {
    expect(failsStep(verdict, failOn)).toBe(fails)
  })
})
