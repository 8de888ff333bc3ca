import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

/*
 * The SSM command documents that runCommand runs (a workflow's freeze, thaw, mirror query, promotion): one Linux
 * shell step each. Every value an operator configures is a typed document parameter with an `allowedPattern`,
 * handed to the script as an environment variable (`interpolationType: ENV_VAR`, SSM Agent 3.3.2746.0 or later) and
 * quoted where it is used: nothing an operator writes is ever pasted into the script text. Only `executionTimeout`
 * (digits) is interpolated, into the step's `timeoutSeconds`, as AWS-RunShellScript does.
 */

/** An IRIS instance name as `iris list` shows it. */
export const IRIS_INSTANCE_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
/** An absolute path to an executable on the instance: no spaces, quotes or shell metacharacters. */
export const COMMAND_PATH_PATTERN = '^/[A-Za-z0-9._/-]{1,255}$';

/** The script's first lines: bash, unset variables are errors, and the agent must hand parameters as variables. */
export function scriptHeader(variable: string): string[] {
  return [
    '#!/bin/bash',
    'set -u',
    `: "\${${variable}:?SSM Agent 3.3.2746.0 or later is required (document parameters as environment variables)}"`,
  ];
}

/** The script's last lines: exit status 0 prints `done` and exits 0; any other prints `failed status=N` and exits N. */
export function reportExitStatus(done: string, failed: string): string[] {
  return [
    'status=$?',
    `if [ "$status" -eq 0 ]; then echo ${done}; exit 0; fi`,
    `echo "${failed} status=$status"`,
    'exit "$status"',
  ];
}

/** The `executionTimeout` parameter: seconds the step may run (interpolated into its `timeoutSeconds`). */
export function executionTimeoutParameter(what: string, seconds: number) {
  return {
    type: 'String',
    description: `Seconds the ${what} may run on the instance before the agent stops it.`,
    default: String(seconds),
    allowedPattern: '^[1-9][0-9]{0,4}$',
  };
}

/** The `instanceName` parameter (`$SSM_instanceName`): an IRIS instance. */
export function irisInstanceParameter() {
  return {
    type: 'String',
    description: 'The IRIS instance name (as `iris list` shows it).',
    allowedPattern: IRIS_INSTANCE_PATTERN,
    interpolationType: 'ENV_VAR',
  };
}

/** The `command` parameter (`$SSM_command`): the operator's executable that `what` ("promotes the DR member"). */
export function commandPathParameter(what: string) {
  return {
    type: 'String',
    description: `Absolute path of the executable that ${what} (run as root, without a shell).`,
    allowedPattern: COMMAND_PATH_PATTERN,
    interpolationType: 'ENV_VAR',
  };
}

/**
 * A document's content: one `aws:runShellScript` step on Linux, limited to `{{ executionTimeout }}` seconds
 * (`parameters` must declare `executionTimeout`, see executionTimeoutParameter).
 */
export function shellScriptDocument(
  description: string,
  parameters: Record<string, unknown>,
  step: string,
  script: string[],
) {
  return {
    schemaVersion: '2.2',
    description,
    parameters,
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: step,
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { timeoutSeconds: '{{ executionTimeout }}', runCommand: script },
      },
    ],
  };
}

/** A named Command document for EC2 instances, updated in place as a new version when its content changes. */
export function commandDocument(scope: Construct, id: string, name: string, content: object): ssm.CfnDocument {
  return new ssm.CfnDocument(scope, id, {
    name,
    documentType: 'Command',
    documentFormat: 'JSON',
    targetType: '/AWS::EC2::Instance',
    updateMethod: 'NewVersion',
    content,
  });
}
