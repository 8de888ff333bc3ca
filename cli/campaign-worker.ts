/**
 * One worker thread of `ha-workflows campaign --jobs J`: runs its share of the schedules (its own synthesis and
 * engine) and posts progress and its report to the main thread.
 */
import '../local/polyfills';
import { parentPort, workerData } from 'node:worker_threads';
import { runCampaign } from '../local/campaign/runner';
import type { CampaignWorkflow } from '../local/campaign/types';
import { type CampaignCliOptions, campaignInputs } from './campaign';

interface WorkerInput {
  readonly workflow: CampaignWorkflow;
  readonly options: CampaignCliOptions & { readonly from: number; readonly to: number };
}

async function main(): Promise<void> {
  const { workflow, options } = workerData as WorkerInput;
  const report = await runCampaign(campaignInputs(workflow), {
    ...options,
    onProgress: (done, violations) => parentPort?.postMessage({ progress: [done, violations] }),
  });
  parentPort?.postMessage({ report });
}

void main().catch((e: unknown) => {
  // An uncaught error ends the worker with a non-zero code, which the main thread reports.
  throw e;
});
