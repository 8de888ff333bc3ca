import { Construct } from 'constructs';
import {
  commandDocument,
  commandPathParameter,
  executionTimeoutParameter,
  irisInstanceParameter,
  reportExitStatus,
  scriptHeader,
  shellScriptDocument,
} from '../fragments/command-document';

/** The parameters' patterns, as this module has always exported them. */
export { COMMAND_PATH_PATTERN, IRIS_INSTANCE_PATTERN } from '../fragments/command-document';
import type { PromotionPreset } from './input';

/**
 * The SSM command documents that query a DR member's mirror state and promote it, created by the stack. As in
 * workflows/snapshot-backup/documents.ts, everything an operator configures is a typed parameter with an
 * `allowedPattern`, handed to the script as an environment variable (`interpolationType: ENV_VAR`, SSM Agent
 * 3.3.2746.0 or later): nothing is pasted into the script text.
 *
 * Convention with the state machine: exit status 0 means done; anything else is a failed promotion.
 */

/** A document whose `executionTimeout` parameter defaults to 600 s. */
function document(description: string, parameters: Record<string, unknown>, step: string, script: string[]) {
  return shellScriptDocument(
    description,
    { ...parameters, executionTimeout: executionTimeoutParameter('command', 600) },
    step,
    script,
  );
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
  const instance = irisInstanceParameter();
  const session = (code: string) => `iris session "$SSM_instanceName" -U %SYS '${code}'`;
  return {
    query: document(
      "ha-workflows dr-promotion: print an InterSystems IRIS member's mirror role and state (read-only).",
      { instanceName: instance },
      'mirrorState',
      [
        ...scriptHeader('SSM_instanceName'),
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
        ...scriptHeader('SSM_instanceName'),
        session(
          'set sc=##class(SYS.Mirror).Promote() if $SYSTEM.Status.IsOK(sc) { halt } else { write $SYSTEM.Status.GetErrorText(sc),! do $SYSTEM.Process.Terminate(,1) }',
        ),
        ...reportExitStatus('PROMOTED', 'PROMOTION_FAILED'),
      ],
    ),
  };
}

/** The operator's own executables: the query prints whatever helps the approvers; the promotion exits 0 when done. */
export function commandDocuments() {
  return {
    query: document(
      "ha-workflows dr-promotion: run the operator's read-only mirror-state query.",
      { command: commandPathParameter('prints the mirror state') },
      'mirrorState',
      [...scriptHeader('SSM_command'), '"$SSM_command"'],
    ),
    promote: document(
      "ha-workflows dr-promotion: run the operator's promotion executable. Exits 0 and prints PROMOTED when it " +
        'exits 0; otherwise prints PROMOTION_FAILED and exits with its status.',
      { command: commandPathParameter('promotes the DR member') },
      'promote',
      [...scriptHeader('SSM_command'), '"$SSM_command" 1>&2', ...reportExitStatus('PROMOTED', 'PROMOTION_FAILED')],
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
    commandDocument(this, 'Query', this.queryName, content.query);
    commandDocument(this, 'Promote', this.promoteName, content.promote);
  }
}
