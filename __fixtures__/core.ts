import { jest } from '@jest/globals'
import type * as core from '@actions/core'

// A typed stand-in for @actions/core, loaded with jest.unstable_mockModule. It has every export
// of the real module, because modules that main.ts imports (@actions/cache) import them too.
export const getInput = jest.fn<typeof core.getInput>()
export const getBooleanInput = jest.fn<typeof core.getBooleanInput>()
export const getMultilineInput = jest.fn<typeof core.getMultilineInput>()
export const setFailed = jest.fn<typeof core.setFailed>()
export const setOutput = jest.fn<typeof core.setOutput>()
export const setSecret = jest.fn<typeof core.setSecret>()
export const info = jest.fn<typeof core.info>()
export const debug = jest.fn<typeof core.debug>()
export const notice = jest.fn<typeof core.notice>()
export const warning = jest.fn<typeof core.warning>()
export const error = jest.fn<typeof core.error>()
export const isDebug = jest.fn<typeof core.isDebug>(() => false)
export const startGroup = jest.fn<typeof core.startGroup>()
export const endGroup = jest.fn<typeof core.endGroup>()
export const group = jest.fn(async <T>(_name: string, work: () => Promise<T>): Promise<T> => work())
export const exportVariable = jest.fn<typeof core.exportVariable>()
export const addPath = jest.fn<typeof core.addPath>()
export const getState = jest.fn<typeof core.getState>(() => '')
export const saveState = jest.fn<typeof core.saveState>()
export const setCommandEcho = jest.fn<typeof core.setCommandEcho>()
export const getIDToken = jest.fn<typeof core.getIDToken>()
export const toPosixPath = (path: string): string => path.replace(/\\/g, '/')
export const toWin32Path = (path: string): string => path.replace(/\//g, '\\')
export const toPlatformPath = (path: string): string => path
export const ExitCode = { Success: 0, Failure: 1 }
export const platform = {}
export const markdownSummary = {}
export const summary = {
  addRaw: jest.fn(() => summary),
  write: jest.fn(async () => summary)
}
