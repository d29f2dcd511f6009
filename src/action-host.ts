import * as core from '@actions/core'
import type { Host } from './host.js'

/** The host of a workflow step: the Actions log, annotations, step outputs and the job summary. */
export function actionHost(writeSummary: boolean): Host {
  return {
    info: message => core.info(message),
    notice: (message, properties) => core.notice(message, properties),
    warning: (message, properties) => core.warning(message, properties),
    error: (message, properties) => core.error(message, properties),
    group: (name, work) => core.group(name, work),
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: value => core.setSecret(value),
    present: async (markdown, text) => {
      core.info(text)
      if (writeSummary && process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write()
    }
  }
}
