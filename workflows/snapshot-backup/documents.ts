import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { WRITES_RESUMED_MARKER } from '../../contracts/tags';
import * as shell from '../fragments/command-document';

/** The parameters' patterns, as this module has always exported them. */
export { COMMAND_PATH_PATTERN, IRIS_INSTANCE_PATTERN } from '../fragments/command-document';

/**
 * The SSM command documents that freeze and thaw a database, created by the stack. Every value an operator
 * configures is a typed document parameter with an `allowedPattern`, handed to the script as an environment
 * variable (`interpolationType: ENV_VAR`, SSM Agent 3.3.2746.0 or later) and quoted where it is used: nothing an
 * operator writes is ever pasted into the script text. Only `executionTimeout` (digits) is interpolated, into
 * the step's `timeoutSeconds`, as AWS-RunShellScript does.
 * Source: docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html
 * (interpolationType) and parameter-troubleshooting.html (agent version).
 *
 * The scripts agree with the state machines on one convention: exit status 0 means done (frozen / thawed), and
 * a thaw prints `WRITES_RESUMED_BEFORE_THAW` when the database's writes had already resumed before it ran.
 */

/**
 * IRIS, after InterSystems' external backup procedure (docs.intersystems.com, "External Backup" and the
 * Backup.General class reference; exit statuses as quoted on community.intersystems.com/node/582803 and
 * community.intersystems.com/post/backup-freezethaw-batch-script-pitfalls-vmware-and-solutions):
 * - `##Class(Backup.General).ExternalFreeze()` through `iris session <instance> -U %SYS` exits with status 5 when
 *   the database's physical writes are frozen and 3 when the freeze failed;
 * - `##Class(Backup.General).IsWDSuspendedExt()` exits with 5 while the write daemon is suspended, 3 otherwise —
 *   read before the thaw (were writes still frozen?) and after it (did the thaw work?);
 * - `##Class(Backup.General).ExternalThaw()` resumes the writes.
 */
export function irisDocuments(freezeTimeoutSeconds: number, thawTimeoutSeconds: number) {
  const instance = shell.irisInstanceParameter();
  const session = (method: string) =>
    `iris session "$SSM_instanceName" -U %SYS '##Class(Backup.General).${method}()' 1>&2`;
  return {
    freeze: shell.shellScriptDocument(
      'ha-workflows snapshot-backup: freeze InterSystems IRIS database writes (Backup.General.ExternalFreeze). ' +
        'Exits 0 and prints FROZEN when frozen; otherwise prints FREEZE_FAILED and exits non-zero.',
      { instanceName: instance, executionTimeout: shell.executionTimeoutParameter('freeze', freezeTimeoutSeconds) },
      'externalFreeze',
      [
        ...shell.scriptHeader('SSM_instanceName'),
        '# ExternalFreeze() exits 5 when the writes are frozen, 3 when the freeze failed.',
        session('ExternalFreeze'),
        'status=$?',
        'if [ "$status" -eq 5 ]; then echo FROZEN; exit 0; fi',
        'echo "FREEZE_FAILED status=$status"',
        'if [ "$status" -eq 0 ]; then exit 1; fi',
        'exit "$status"',
      ],
    ),
    thaw: shell.shellScriptDocument(
      'ha-workflows snapshot-backup: thaw InterSystems IRIS database writes (Backup.General.ExternalThaw). ' +
        `Prints ${WRITES_RESUMED_MARKER} when the writes had already resumed; exits 0 and prints THAWED when they run.`,
      { instanceName: instance, executionTimeout: shell.executionTimeoutParameter('thaw', thawTimeoutSeconds) },
      'externalThaw',
      [
        ...shell.scriptHeader('SSM_instanceName'),
        '# IsWDSuspendedExt() exits 5 while the write daemon is suspended (frozen), 3 otherwise.',
        session('IsWDSuspendedExt'),
        `if [ "$?" -ne 5 ]; then echo ${WRITES_RESUMED_MARKER}; fi`,
        session('ExternalThaw'),
        session('IsWDSuspendedExt'),
        'if [ "$?" -eq 5 ]; then echo STILL_FROZEN; exit 1; fi',
        'echo THAWED',
      ],
    ),
  };
}

/**
 * An operator's own freeze and thaw executables (method `command`): the freeze exits 0 when the database is
 * frozen; the thaw exits 0 when it resumed the writes, or 4 when it resumed them but they had already resumed
 * before (the set is then marked crash-consistent). Their own output goes to stderr.
 */
export function commandDocuments(freezeTimeoutSeconds: number, thawTimeoutSeconds: number) {
  const command = (what: string) => shell.commandPathParameter(`${what} the database`);
  return {
    freeze: shell.shellScriptDocument(
      "ha-workflows snapshot-backup: run the operator's freeze executable. Exits 0 and prints FROZEN when it " +
        'exits 0; otherwise prints FREEZE_FAILED and exits with its status.',
      {
        command: command('freezes'),
        executionTimeout: shell.executionTimeoutParameter('freeze', freezeTimeoutSeconds),
      },
      'freeze',
      [
        ...shell.scriptHeader('SSM_command'),
        '"$SSM_command" 1>&2',
        ...shell.reportExitStatus('FROZEN', 'FREEZE_FAILED'),
      ],
    ),
    thaw: shell.shellScriptDocument(
      "ha-workflows snapshot-backup: run the operator's thaw executable. Exit status 0: thawed; 4: thawed, but " +
        `the writes had already resumed (prints ${WRITES_RESUMED_MARKER}); anything else: the thaw failed.`,
      { command: command('thaws'), executionTimeout: shell.executionTimeoutParameter('thaw', thawTimeoutSeconds) },
      'thaw',
      [
        ...shell.scriptHeader('SSM_command'),
        '"$SSM_command" 1>&2',
        'status=$?',
        `if [ "$status" -eq 4 ]; then echo ${WRITES_RESUMED_MARKER}; status=0; fi`,
        'if [ "$status" -eq 0 ]; then echo THAWED; exit 0; fi',
        'echo "THAW_FAILED status=$status"',
        'exit "$status"',
      ],
    ),
  };
}

export interface FreezeThawDocumentsProps {
  readonly method: 'iris' | 'command';
  /** Prefix of the documents' names (`<prefix>-iris-freeze`, …). */
  readonly namePrefix: string;
  readonly freezeTimeoutSeconds: number;
  readonly thawTimeoutSeconds: number;
}

/**
 * The freeze and the thaw document of one method. Named (so that operators find them, and IAM can name them),
 * and updated in place as new versions when their content changes.
 */
export class FreezeThawDocuments extends Construct {
  readonly freeze: ssm.CfnDocument;
  readonly thaw: ssm.CfnDocument;
  readonly freezeName: string;
  readonly thawName: string;

  constructor(scope: Construct, id: string, props: FreezeThawDocumentsProps) {
    super(scope, id);
    const content =
      props.method === 'iris'
        ? irisDocuments(props.freezeTimeoutSeconds, props.thawTimeoutSeconds)
        : commandDocuments(props.freezeTimeoutSeconds, props.thawTimeoutSeconds);
    this.freezeName = `${props.namePrefix}-${props.method}-freeze`;
    this.thawName = `${props.namePrefix}-${props.method}-thaw`;
    this.freeze = shell.commandDocument(this, 'Freeze', this.freezeName, content.freeze);
    this.thaw = shell.commandDocument(this, 'Thaw', this.thawName, content.thaw);
  }
}
