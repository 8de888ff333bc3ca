import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/** The ended execution, taken from the event: `executionArn`, `name`, `status`, `stateMachineArn`, `at`. */
export const ENDED = '$.ended';
/** A string attribute read from the state. */
export const str = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));
