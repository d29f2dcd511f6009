import { jest } from '@jest/globals'
import type * as core from '@actions/core'

// A typed stand-in for @actions/core, loaded with jest.unstable_mockModule.
export const getInput = jest.fn<typeof core.getInput>()
export const setFailed = jest.fn<typeof core.setFailed>()
export const setOutput = jest.fn<typeof core.setOutput>()
export const setSecret = jest.fn<typeof core.setSecret>()
export const info = jest.fn<typeof core.info>()
export const warning = jest.fn<typeof core.warning>()
export const error = jest.fn<typeof core.error>()
export const group = jest.fn(async <T>(_name: string, work: () => Promise<T>): Promise<T> => work())
export const summary = {
  addRaw: jest.fn(() => summary),
  write: jest.fn(async () => summary)
}
