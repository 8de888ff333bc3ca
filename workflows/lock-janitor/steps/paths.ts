import { stringAt } from '../../fragments';

/** The ended execution, taken from the event: `executionArn`, `name`, `status`, `stateMachineArn`, `at`. */
export const ENDED = '$.ended';
/** A string attribute read from the state. */
export const str = stringAt;
