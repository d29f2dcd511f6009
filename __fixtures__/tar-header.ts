// A ustar header written by hand, for tests and the benchmark: it can encode what GNU tar only
// writes for huge files (base-256 sizes), and generates large archives without a tar program.

export function ustarHeader(name: string, size: number, { base256 = false, typeflag = '0', mtime = 0 } = {}): Buffer {
  const block = Buffer.alloc(512)
  block.write(name, 0, 100, 'utf8')
  block.write('0000644\0', 100)
  block.write('0000000\0', 108)
  block.write('0000000\0', 116)
  if (base256) {
    block[124] = 0x80
    let value = size
    for (let i = 135; i > 124; i--) {
      block[i] = value % 256
      value = Math.floor(value / 256)
    }
  } else {
    block.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  }
  block.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136)
  block.write(typeflag, 156)
  block.write('ustar\u000000', 257, 'latin1')
  return sealHeader(block)
}

/** Writes the checksum of a header block, after any change to its fields. */
export function sealHeader(block: Buffer): Buffer {
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return block
}
