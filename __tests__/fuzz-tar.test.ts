import { describe, expect, it } from '@jest/globals'
import { buildCorpus, runFuzz } from './helpers/fuzz-tar.js'

// A fixed seed keeps CI reproducible; `npm run fuzz` explores others. FUZZ_SEED picks another here.
const seed = Number(process.env.FUZZ_SEED ?? 20_240_601)

describe('the tar reader under fuzzing', () => {
  it('parses mutated layer tars into safe numbers or refuses them with a typed error, in bounded time and memory', async () => {
    const corpus = buildCorpus()
    const report = await runFuzz(corpus, { cases: 100_000, seed })
    expect(report.cases).toBe(100_000)
    // Both outcomes are exercised: the mutations are neither all fatal nor all harmless.
    expect(report.parsed).toBeGreaterThan(5_000)
    expect(report.refused).toBeGreaterThan(5_000)
    expect(report.maxHeapBytes).toBeLessThan(256 * 2 ** 20)
  }, 180_000)
})
