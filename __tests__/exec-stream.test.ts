// A program whose standard output is read as a stream (a build's export): read at the reader's pace,
// stopped when the reader fails, and its own failure told apart from the reader's.
import { describe, expect, it } from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Readable } from 'node:stream'
import { createExec } from '../src/exec.js'

const exec = createExec()
const sh = (script: string, readStdout: (stdout: Readable) => Promise<void>) => exec('sh', ['-c', script], { silent: true, readStdout })

describe('a program read as it streams', () => {
  it('hands every byte to a slow reader, keeps none of it, and keeps what it says on stderr', async () => {
    let read = 0
    const result = await sh('head -c 5000000 /dev/zero; echo exported >&2', async stdout => {
      for await (const chunk of stdout) {
        read += (chunk as Buffer).length
        await sleep(1)
      }
    })
    expect(read).toBe(5_000_000)
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: 'exported\n' })
  })

  it('stops the program when the reader fails, and throws what the reader found', async () => {
    // Without the stop, the program would write for minutes.
    const reading = sh('while :; do head -c 1000000 /dev/zero; done', async stdout => {
      for await (const _chunk of stdout) throw new Error('not an OCI layout')
    })
    await expect(reading).rejects.toThrow('not an OCI layout')
  })

  it('says why the program failed, not that its output was cut short', async () => {
    const result = await sh('printf partial; echo "ERROR: failed to solve" >&2; exit 3', async stdout => {
      for await (const _chunk of stdout);
      throw new Error('the archive ends inside a blob: it is truncated')
    })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toBe('ERROR: failed to solve\n')
  })

  it('throws the reader failure of a program that succeeded', async () => {
    const reading = sh('printf "not a tar"', async stdout => {
      for await (const _chunk of stdout);
      throw new Error('the archive has no index.json')
    })
    await expect(reading).rejects.toThrow('the archive has no index.json')
  })
})
