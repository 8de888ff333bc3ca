import { States } from '../../../contracts/errors';

/** The mirror set's settings (from "Use mirror set …"; also carried into the healthy wait's iterations). */
export const SET = '$.set';
/** The last probe's result: `primaryCount`, `primary`, `primaries`, `summary`, the lock's times. */
export const PROBE = '$.probe.value';
/** The plan task's result: what to deregister and register, and the targets before. */
export const PLAN = '$.plan.value';
/** The member the current round switches to (copied from the probe that chose it; later probes only compare). */
export const SWITCH = '$.switch';
/** The Catch of a step that ends in a failure record: keep the error. */
export const ON_FAILURE = { errors: [States.ALL], resultPath: '$.failure' };
