import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  COMMAND_PATH_PATTERN,
  commandDocument,
  commandPathParameter,
  executionTimeoutParameter,
  IRIS_INSTANCE_PATTERN,
  irisInstanceParameter,
  reportExitStatus,
  scriptHeader,
  shellScriptDocument,
} from '../../../workflows/fragments/command-document';

describe('command documents', () => {
  it('builds one Linux shell step limited to the executionTimeout parameter', () => {
    // GIVEN / WHEN a document with an instance name and a timeout of 90 s
    const doc = shellScriptDocument(
      'query',
      { instanceName: irisInstanceParameter(), executionTimeout: executionTimeoutParameter('query', 90) },
      'mirrorState',
      [...scriptHeader('SSM_instanceName'), 'echo hi', ...reportExitStatus('DONE', 'FAILED')],
    );
    // THEN it is a 2.2 document with one aws:runShellScript step, timed by {{ executionTimeout }}
    expect(doc).toEqual({
      schemaVersion: '2.2',
      description: 'query',
      parameters: {
        instanceName: {
          type: 'String',
          description: 'The IRIS instance name (as `iris list` shows it).',
          allowedPattern: IRIS_INSTANCE_PATTERN,
          interpolationType: 'ENV_VAR',
        },
        executionTimeout: {
          type: 'String',
          description: 'Seconds the query may run on the instance before the agent stops it.',
          default: '90',
          allowedPattern: '^[1-9][0-9]{0,4}$',
        },
      },
      mainSteps: [
        {
          action: 'aws:runShellScript',
          name: 'mirrorState',
          precondition: { StringEquals: ['platformType', 'Linux'] },
          inputs: {
            timeoutSeconds: '{{ executionTimeout }}',
            runCommand: [
              '#!/bin/bash',
              'set -u',
              ': "${SSM_instanceName:?SSM Agent 3.3.2746.0 or later is required (document parameters as environment variables)}"',
              'echo hi',
              'status=$?',
              'if [ "$status" -eq 0 ]; then echo DONE; exit 0; fi',
              'echo "FAILED status=$status"',
              'exit "$status"',
            ],
          },
        },
      ],
    });
  });

  it('takes an operator command as an environment variable matching an absolute path', () => {
    // GIVEN / WHEN the command parameter
    const parameter = commandPathParameter('thaws the database');
    // THEN it is never pasted into the script, and only a plain absolute path passes
    expect(parameter).toEqual({
      type: 'String',
      description: 'Absolute path of the executable that thaws the database (run as root, without a shell).',
      allowedPattern: COMMAND_PATH_PATTERN,
      interpolationType: 'ENV_VAR',
    });
    const pattern = new RegExp(COMMAND_PATH_PATTERN);
    expect(pattern.test('/opt/db/bin/thaw.sh')).toBe(true);
    expect(pattern.test('/opt/db/bin/thaw.sh; rm -rf /')).toBe(false);
    expect(pattern.test('thaw.sh')).toBe(false);
  });

  it('creates a named Command document for EC2 instances, updated as new versions', () => {
    // GIVEN / WHEN a document in a stack
    const stack = new Stack(new App(), 'Test');
    commandDocument(stack, 'Doc', 'ha-freeze', { schemaVersion: '2.2' });
    // THEN its properties name it and make updates new versions
    Template.fromStack(stack).hasResourceProperties('AWS::SSM::Document', {
      Name: 'ha-freeze',
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
      TargetType: '/AWS::EC2::Instance',
      UpdateMethod: 'NewVersion',
      Content: { schemaVersion: '2.2' },
    });
  });
});
