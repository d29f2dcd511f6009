import { describe, expect, it } from '@jest/globals'
import { attributeHistory, attributeLayers, BASE_IMAGE, historyKeyword } from '../src/analysis/attribution.js'
import { copySource, finalStage, parseDockerfile, stageChain } from '../src/dockerfile/dockerfile.js'

const TEXT = `# syntax=docker/dockerfile:1
ARG NODE=20
FROM node:\${NODE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci \\
    --omit=dev

FROM deps AS build
COPY . .
RUN npm run build

FROM gcr.io/distroless/nodejs20 AS runtime
COPY --from=deps /app/node_modules /app/node_modules
COPY --from=build --chown=1000 /app/dist /app/dist
USER 1000
CMD ["/app/dist/server.js"]
`

describe('parseDockerfile', () => {
  const dockerfile = parseDockerfile('Dockerfile', TEXT)

  it('reads stages with names, bases and lines', () => {
    expect(dockerfile.stages.map(stage => [stage.index, stage.name, stage.base, stage.baseStage, stage.line])).toEqual([
      [0, 'deps', 'node:${NODE}', undefined, 3],
      [1, 'build', 'deps', 0, 9],
      [2, 'runtime', 'gcr.io/distroless/nodejs20', undefined, 13]
    ])
  })

  it('reads instructions with their first line, one-line text and flags', () => {
    const deps = dockerfile.stages[0].instructions
    expect(deps.map(instruction => [instruction.keyword, instruction.line])).toEqual([
      ['WORKDIR', 4],
      ['COPY', 5],
      ['RUN', 6]
    ])
    expect(deps[2].text).toBe('RUN npm ci --omit=dev')
    const copy = dockerfile.stages[2].instructions[1]
    expect(copy.flags).toEqual({ from: 'build', chown: '1000' })
    expect(copy.args).toEqual(['/app/dist', '/app/dist'])
    expect(copySource(dockerfile, copy)?.name).toBe('build')
  })

  it('finds the final stage and the chain of stages it continues', () => {
    expect(finalStage(dockerfile, '').name).toBe('runtime')
    expect(stageChain(dockerfile, finalStage(dockerfile, 'build')).map(stage => stage.name)).toEqual(['deps', 'build'])
    expect(() => finalStage(dockerfile, 'prod')).toThrow('Input "target": "prod" is not a stage of Dockerfile')
    expect(() => finalStage(parseDockerfile('empty.Dockerfile', '# nothing\n'), '')).toThrow('empty.Dockerfile has no FROM instruction')
  })
})

describe('attribution', () => {
  const dockerfile = parseDockerfile('Dockerfile', TEXT)

  it.each([
    ['RUN |1 TARGETARCH=amd64 /bin/sh -c npm ci # buildkit', 'RUN'],
    ['COPY /app/dist /app/dist # buildkit', 'COPY'],
    ['/bin/sh -c #(nop)  ENV PATH=/usr/bin', 'ENV'],
    ['/bin/sh -c apt-get update', 'RUN'],
    ['USER 1000', 'USER']
  ])('reads the keyword of %p', (createdBy, keyword) => {
    expect(historyKeyword(createdBy)).toBe(keyword)
  })

  it('pairs the final history entries with the chain, and the rest with the base image', () => {
    const history = [
      { created_by: 'ADD file:abc in / ' },
      { created_by: 'CMD ["bash"]', empty_layer: true },
      { created_by: 'COPY /app/node_modules /app/node_modules # buildkit' },
      { created_by: 'COPY /app/dist /app/dist # buildkit' },
      { created_by: 'USER 1000', empty_layer: true },
      { created_by: 'CMD ["/app/dist/server.js"]', empty_layer: true }
    ]
    const origins = attributeHistory(dockerfile, '', history)
    expect(origins.map(origin => [origin.stage, origin.instruction?.line, origin.copiedFrom])).toEqual([
      [BASE_IMAGE, undefined, undefined],
      [BASE_IMAGE, undefined, undefined],
      ['runtime', 14, 'deps'],
      ['runtime', 15, 'build'],
      ['runtime', 16, undefined],
      ['runtime', 17, undefined]
    ])
    expect(attributeLayers(dockerfile, '', history, 3).map(origin => origin?.instruction?.line)).toEqual([undefined, 14, 15])
  })

  it('follows FROM <stage> into the stages a target continues', () => {
    const history = [
      { created_by: 'ADD rootfs /' },
      { created_by: 'WORKDIR /app' },
      { created_by: 'COPY package.json package-lock.json ./ # buildkit' },
      { created_by: 'RUN /bin/sh -c npm ci --omit=dev # buildkit' },
      { created_by: 'COPY . . # buildkit' },
      { created_by: 'RUN /bin/sh -c npm run build # buildkit' }
    ]
    expect(attributeHistory(dockerfile, 'build', history).map(origin => `${origin.stage}:${origin.instruction?.line ?? '-'}`)).toEqual([
      'base image:-',
      'deps:4',
      'deps:5',
      'deps:6',
      'build:10',
      'build:11'
    ])
  })

  it('gives no origin rather than a wrong one when layers and history do not line up', () => {
    expect(attributeLayers(dockerfile, '', [{ created_by: 'COPY x y' }], 2)).toEqual([undefined, undefined])
  })
})
