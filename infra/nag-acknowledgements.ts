import type { Stack } from 'aws-cdk-lib';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import type { IConstruct } from 'constructs';
import { acknowledge } from '../workflows/base';
import { MirrorFailoverWorkflow } from '../workflows/mirror-failover';

/**
 * The cdk-nag findings only the app can accept: those of what aws-cdk-lib makes once per stack. Every workflow
 * construct acknowledges the findings of its own resources (workflows/<name>/acknowledgements.ts, and the foundation,
 * task functions and dead-letter queues in workflows/base), so an app that uses the constructs gets those with them.
 * A finding acknowledged nowhere fails `npm test` (test/infra/nag.test.ts).
 */

/** Construct id CDK gives the one provider function of every AwsCustomResource in a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * The stack's AwsCustomResource provider function, when the stack's only AwsCustomResources are a mirror set's health
 * checks (whose acknowledgement below says what the function does); otherwise nothing.
 */
function mirrorHealthCheckProvider(stack: Stack): IConstruct | undefined {
  const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER);
  if (provider === undefined) return undefined;
  const customResources = stack.node.findAll().filter((x) => x instanceof AwsCustomResource);
  const onlyMirrors =
    customResources.length > 0 && customResources.every((x) => x.node.scope instanceof MirrorFailoverWorkflow);
  return onlyMirrors ? provider : undefined;
}

/** Acknowledges the stack-level findings of `stack`; call it once the stack's constructs are all made. */
export function acknowledgeStackFindings(stack: Stack): void {
  const provider = mirrorHealthCheckProvider(stack);
  if (provider === undefined) return;
  acknowledge(provider, {
    ids: [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaTracing',
    ],
    reason:
      "AwsCustomResource's provider function (one per stack, made by aws-cdk-lib) sets each mirror target group's " +
      'health check with one ModifyTargetGroup call at deploy time. Its role has AWSLambdaBasicExecutionRole (logs only) ' +
      'plus ModifyTargetGroup on the configured target groups; CloudFormation awaits its answer and rolls back on ' +
      'failure, so a dead-letter queue and tracing would add nothing the stack events do not show.',
  });
}
