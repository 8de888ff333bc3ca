import { VirtualClock } from '../../local/clock';
import { buildWorld } from '../../local/drill';
import { ScriptedApprovals } from '../../local/engine/approvals';
import { SimulatedRegion } from '../../local/region/region';
import { scenarioSchema } from '../../local/scenario/schema';
import type { CfnTemplate } from '../../local/template';

describe('buildWorld', () => {
  it("provisions the stack's SSM command documents with the parameters their content declares", async () => {
    // GIVEN a template with a named command document (parameters instanceName, executionTimeout) and a running instance
    const template: CfnTemplate = {
      Resources: {
        FreezeDoc: {
          Type: 'AWS::SSM::Document',
          Properties: {
            Name: 'stack-iris-freeze',
            DocumentType: 'Command',
            Content: {
              schemaVersion: '2.2',
              parameters: { instanceName: { type: 'String' }, executionTimeout: { type: 'String' } },
            },
          },
        },
      },
    };
    const region = new SimulatedRegion({ regionName: 'eu-west-1', clock: new VirtualClock() });
    const environment = scenarioSchema.shape.environment.parse({
      ec2: {
        subnets: [{ subnetId: 'subnet-1', vpcId: 'vpc-1', availabilityZone: 'eu-west-1a' }],
        instances: [
          { instanceId: 'i-0aaaaaaaaaaaaaaa1', imageId: 'ami-1', instanceType: 'm7i.large', subnetId: 'subnet-1' },
        ],
      },
    });
    // WHEN the world is built from it
    buildWorld(region, template, { account: '123456789012', region: 'eu-west-1' }, environment as never, {
      broker: new ScriptedApprovals(region, []),
    });
    const send = (parameters: Record<string, string[]>) =>
      region.call('ssm', 'SendCommand', {
        DocumentName: 'stack-iris-freeze',
        InstanceIds: ['i-0aaaaaaaaaaaaaaa1'],
        Parameters: parameters,
      });
    // THEN SSM runs the document with its declared parameters, and refuses others as AWS does
    await expect(send({ instanceName: ['IRIS'], executionTimeout: ['30'] })).resolves.toMatchObject({
      Command: { DocumentName: 'stack-iris-freeze' },
    });
    await expect(send({ commands: ['rm -rf /'] })).rejects.toMatchObject({ code: 'InvalidParameters' });
  });
});
