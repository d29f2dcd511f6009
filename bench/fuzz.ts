// npm run fuzz: the fuzzer of the tar reader, run longer than the test does. FUZZ_CASES sets the
// number of cases (2,000,000 by default), FUZZ_SEED the seed (random by default, printed), and
// FUZZ_ONLY replays one case of a seed.
import { buildCorpus, runFuzz } from '../__tests__/helpers/fuzz-tar.js'

const cases = Number(process.env.FUZZ_CASES ?? 2_000_000)
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const only = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY)
console.log(`fuzzing the tar reader: ${only === undefined ? `${cases.toLocaleString('en')} cases` : `case ${only}`}, seed ${seed}`)
try {
  const report = await runFuzz(buildCorpus(), { cases, seed, only, log: line => console.log(line) })
  console.log(
    `${report.cases} cases in ${report.seconds.toFixed(1)} s: ${report.parsed} parsed, ${report.refused} refused; heap growth peak ${(report.maxHeapBytes / 2 ** 20).toFixed(0)} MiB, slowest case ${report.slowestCaseMs.toFixed(1)} ms`
  )
} catch (error) {
  console.error((error as Error).message)
  console.error(`seed ${seed}`)
  process.exitCode = 1
}
