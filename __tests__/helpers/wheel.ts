// A Python wheel made in the test, for pip to install in a build with no package index: a wheel is
// a zip of the distribution's files and its dist-info (METADATA, WHEEL, RECORD), stored uncompressed.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { crc32 } from 'node:zlib'

/** The fields local and central headers share, in the same order from `at`: CRC-32, both sizes (stored), name length. */
function writeFileFields(header: Buffer, at: number, crc: number, size: number, nameLength: number): void {
  header.writeUInt32LE(crc, at)
  header.writeUInt32LE(size, at + 4)
  header.writeUInt32LE(size, at + 8)
  header.writeUInt16LE(nameLength, at + 12)
}

function zipOf(files: Array<[string, Buffer]>): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8')
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    writeFileFields(local, 14, crc, data.length, nameBytes.length)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    writeFileFields(central, 16, crc, data.length, nameBytes.length)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, data)
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

/** Writes `<name>-<version>-py3-none-any.whl` into `dir` with the given files of the distribution; returns its path. */
export function writeWheel(dir: string, name: string, version: string, files: Record<string, string | Buffer>): string {
  const distInfo = `${name}-${version}.dist-info`
  const entries: Array<[string, Buffer]> = Object.entries(files).map(([file, content]) => [file, Buffer.from(content)])
  entries.push([`${distInfo}/METADATA`, Buffer.from(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`)])
  entries.push([`${distInfo}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: image-budget-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n')])
  const record = entries.map(([file, data]) => `${file},sha256=${createHash('sha256').update(data).digest('base64url')},${data.length}`)
  entries.push([`${distInfo}/RECORD`, Buffer.from(`${[...record, `${distInfo}/RECORD,,`].join('\n')}\n`)])
  const wheel = path.join(dir, `${name}-${version}-py3-none-any.whl`)
  writeFileSync(wheel, zipOf(entries))
  return wheel
}
