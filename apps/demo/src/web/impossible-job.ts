import type { Binding, LoadBalancer } from 'comfy-balancer'
import { IMPOSSIBLE_JOBS, type ImpossibleJob } from './workflows.js'

/**
 * The "job no server can run" control: submits the chosen job through `balancer.run()` and shows
 * why it was refused. The balancer checks each server's `/object_info` before sending anything, so
 * the job fails at once with NO_CAPABLE_SERVER, naming what is missing and where it partly exists.
 */
export function startImpossibleJob(
  form: HTMLFormElement,
  select: HTMLSelectElement,
  result: HTMLOutputElement,
  balancer: LoadBalancer,
  binding: Binding,
  enabled: boolean,
): void {
  for (const [value, job] of Object.entries(IMPOSSIBLE_JOBS)) select.add(new Option(job.label, value))
  const button = form.querySelector('button')!
  if (!enabled) {
    button.disabled = true
    return
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const job = IMPOSSIBLE_JOBS[select.value as ImpossibleJob] ?? IMPOSSIBLE_JOBS.apart
    delete result.dataset.code
    result.textContent = 'Submitting…'
    balancer.run(job.prompt(), { binding }).then(
      (done) => {
        result.dataset.code = 'ran'
        result.textContent = `It ran after all, on ${done.serverId}.`
      },
      (error: Error & { code?: string }) => {
        result.dataset.code = error.code ?? error.name
        result.textContent = `${error.code ?? error.name}: ${error.message}`
      },
    )
  })
}
