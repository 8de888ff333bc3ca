import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { PromotionPreset } from './input';

/**
 * The SSM command documents that query a DR member's mirror state and promote it, created by the stack. As in
 * workflows/snapshot-backup/documents.ts, everything an operator configures is a typed parameter with an
 * `allowedPattern`, handed to the script as an environment variable (`interpolationType: ENV_VAR`, SSM Agent
 * 3.3.2746.0 or later): nothing is pasted into the script text.
 *
 * Convention with the state machine: exit status 0 means done; anything else is a failed promotion.
 */

const AGENT_CHECK = (variable: string) =>
  `: "\${${variable}:?SSM Agent 3.3.2746.0 or later is required (document parameters as environment variables)}"`;

/** An IRIS instance name as `iris list` shows it. */
export const IRIS_INSTANCE_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,63}$';
/** An absolute path to an executable on the instance: no spaces, quotes or shell metacharacters. */
export const COMMAND_PATH_PATTERN = '^/[A-Za-z0-9._/-]{1,255}$';

function document(description: string, parameters: Record<string, unknown>, step: string, script: string[]) {
  return {
    schemaVersion: '2.2',
    description,
    parameters: {
      ...parameters,
      executionTimeout: {
        type: 'String',
        description: 'Seconds the command may run on the instance before the agent stops it.',
        default: '600',
        allowedPattern: '^[1-9][0-9]{0,4}$',
      },
    },
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

/**
 * IRIS. The query prints `$SYSTEM.Mirror.GetMemberStatus()` and `$SYSTEM.Mirror.GetStatus()` (the member's role
 * and mirror state). The promotion calls `SYS.Mirror.Promote()` in %SYS, meant as InterSystems' "promote a DR
 * async member to failover member" (the ^MIRROR menu's non-interactive form). NOT verified against an IRIS
 * installation: check the class reference of your version (docs.intersystems.com, class SYS.Mirror) and use the
 * `command` preset with your own script where it differs. The status page (`/csp/bin/mirror_status.cxw`) is what
 * the workflow believes afterwards, not this exit status alone.
 */
export function irisDocuments() {
  const instance = {
    type: 'String',
    description: 'The IRIS instance name (as `iris list` shows it).',
    allowedPattern: IRIS_INSTANCE_PATTERN,
    interpolationType: 'ENV_VAR',
  };
  const session = (code: string) => `iris session "$SSM_instanceName" -U %SYS '${code}'`;
  return {
    query: document(
      "ha-workflows dr-promotion: print an InterSystems IRIS member's mirror role and state (read-only).",
      { instanceName: instance },
      'mirrorState',
      [
        '#!/bin/bash',
        'set -u',
        AGENT_CHECK('SSM_instanceName'),
        session(
          'write "member status: ",$SYSTEM.Mirror.GetMemberStatus(),!,"mirror status: ",$SYSTEM.Mirror.GetStatus(),!',
        ),
      ],
    ),
    promote: document(
      'ha-workflows dr-promotion: promote the InterSystems IRIS DR async member (SYS.Mirror.Promote). ' +
        'Exits 0 and prints PROMOTED when the call returns success; otherwise prints PROMOTION_FAILED.',
      { instanceName: instance },
      'promote',
      [
        '#!/bin/bash',
        'set -u',
        AGENT_CHECK('SSM_instanceName'),
        session(
          'set sc=##class(SYS.Mirror).Promote() if $SYSTEM.Status.IsOK(sc) { halt } else { write $SYSTEM.Status.GetErrorText(sc),! do $SYSTEM.Process.Terminate(,1) }',
        ),
        'status=$?',
        'if [ "$status" -eq 0 ]; then echo PROMOTED; exit 0; fi',
        'echo "PROMOTION_FAILED status=$status"',
        'exit "$status"',
      ],
    ),
  };
}

/** The operator's own executables: the query prints whatever helps the approvers; the promotion exits 0 when done. */
export function commandDocuments() {
  const command = (what: string) => ({
    type: 'String',
    description: `Absolute path of the executable that ${what} (run as root, without a shell).`,
    allowedPattern: COMMAND_PATH_PATTERN,
    interpolationType: 'ENV_VAR',
  });
  return {
    query: document(
      "ha-workflows dr-promotion: run the operator's read-only mirror-state query.",
      { command: command('prints the mirror state') },
      'mirrorState',
      ['#!/bin/bash', 'set -u', AGENT_CHECK('SSM_command'), '"$SSM_command"'],
    ),
    promote: document(
      "ha-workflows dr-promotion: run the operator's promotion executable. Exits 0 and prints PROMOTED when it " +
        'exits 0; otherwise prints PROMOTION_FAILED and exits with its status.',
      { command: command('promotes the DR member') },
      'promote',
      [
        '#!/bin/bash',
        'set -u',
        AGENT_CHECK('SSM_command'),
        '"$SSM_command" 1>&2',
        'status=$?',
        'if [ "$status" -eq 0 ]; then echo PROMOTED; exit 0; fi',
        'echo "PROMOTION_FAILED status=$status"',
        'exit "$status"',
      ],
    ),
  };
}

export interface PromotionDocumentsProps {
  readonly preset: PromotionPreset;
  /** Prefix of the documents' names (`<prefix>-iris-promote`, …). */
  readonly namePrefix: string;
}

/** The query and the promotion document of one preset, named so that IAM can name them. */
export class PromotionDocuments extends Construct {
  readonly queryName: string;
  readonly promoteName: string;

  constructor(scope: Construct, id: string, props: PromotionDocumentsProps) {
    super(scope, id);
    const content = props.preset === 'iris' ? irisDocuments() : commandDocuments();
    this.queryName = `${props.namePrefix}-${props.preset}-mirror-query`;
    this.promoteName = `${props.namePrefix}-${props.preset}-promote`;
    const make = (docId: string, name: string, body: object) =>
      new ssm.CfnDocument(this, docId, {
        name,
        documentType: 'Command',
        documentFormat: 'JSON',
        targetType: '/AWS::EC2::Instance',
        updateMethod: 'NewVersion',
        content: body,
      });
    make('Query', this.queryName, content.query);
    make('Promote', this.promoteName, content.promote);
  }
}
