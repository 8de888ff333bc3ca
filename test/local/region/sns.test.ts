import type { PublishResponse } from '@aws-sdk/client-sns';
import { SimulatedRegion } from '../../../local/region/region';
import { SnsSimulator } from '../../../local/region/sns';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:HaWorkflows-Alerts';
const FIFO = 'arn:aws:sns:us-east-1:123456789012:HaWorkflows-Audit.fifo';

function setup() {
  const region = new SimulatedRegion({ seed: 7 });
  const sns = new SnsSimulator(region, { topics: [{ topicArn: TOPIC }, { topicArn: FIFO }] });
  region.register(sns);
  return { region, sns };
}

describe('SnsSimulator', () => {
  it('publishes to a topic, returns a MessageId and records the message with modeled time', async () => {
    // GIVEN a topic, 12 s into the drill
    const { region, sns } = setup();
    region.clock.advanceSeconds(12);

    // WHEN a notification is published
    const result = (await region.call('sns', 'Publish', {
      TopicArn: TOPIC,
      Subject: 'Instance recovered',
      Message: 'i-0123456789abcdef0 replaced by i-0fedcba9876543210',
      MessageAttributes: { workflow: { DataType: 'String', StringValue: 'instance-recovery' } },
    })) as PublishResponse;

    // THEN it gets a MessageId, took `sns.Publish`, and is in the snapshot
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(region.clock.elapsedSeconds()).toBeCloseTo(12.03);
    expect(sns.snapshot()).toEqual({
      topics: [TOPIC, FIFO],
      messages: [
        {
          at: 12,
          topicArn: TOPIC,
          messageId: result.MessageId,
          subject: 'Instance recovered',
          message: 'i-0123456789abcdef0 replaced by i-0fedcba9876543210',
          messageAttributes: { workflow: { DataType: 'String', StringValue: 'instance-recovery' } },
        },
      ],
    });
  });

  it('answers NotFound for a topic that does not exist', async () => {
    // GIVEN a region without that topic
    const { region, sns } = setup();

    // WHEN a message is published to it
    const call = region.call('sns', 'Publish', { TopicArn: `${TOPIC}-gone`, Message: 'x' });

    // THEN it fails with NotFound and nothing is recorded
    await expect(call).rejects.toMatchObject({ code: 'NotFound', message: 'Topic does not exist', statusCode: 404 });
    expect(sns.messages).toEqual([]);
  });

  it.each([
    ['a message over 256 KiB', { Message: 'x'.repeat(256 * 1024 + 1) }, 'Invalid parameter: Message too long'],
    ['an empty message', { Message: '' }, 'Invalid parameter: Empty message'],
    ['a subject with a line break', { Message: 'x', Subject: 'a\nb' }, 'Invalid parameter: Subject'],
    ['a JSON structure without a default', { Message: '{"email":"x"}', MessageStructure: 'json' }, 'No default entry'],
    ['no topic', { TopicArn: undefined, Message: 'x' }, 'TopicArn or TargetArn'],
  ])('rejects %s with InvalidParameter', async (_what, change, message) => {
    // GIVEN a topic
    const { region } = setup();

    // WHEN an invalid message is published
    const call = region.call('sns', 'Publish', { TopicArn: TOPIC, ...change });

    // THEN it is an InvalidParameter error naming the problem
    await expect(call).rejects.toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining(message) });
  });

  it('counts message attributes towards the 256 KiB limit', async () => {
    // GIVEN a message just under the limit
    const { region } = setup();
    const Message = 'x'.repeat(256 * 1024 - 10);

    // WHEN an attribute pushes it over
    const call = region.call('sns', 'Publish', {
      TopicArn: TOPIC,
      Message,
      MessageAttributes: { group: { DataType: 'String', StringValue: 'iris-production' } },
    });

    // THEN it is too long
    await expect(call).rejects.toMatchObject({
      code: 'InvalidParameter',
      message: 'Invalid parameter: Message too long',
    });
  });

  it('requires a MessageGroupId on a FIFO topic and returns a SequenceNumber', async () => {
    // GIVEN a FIFO topic
    const { region } = setup();

    // WHEN messages are published without and with a group
    const without = region.call('sns', 'Publish', { TopicArn: FIFO, Message: 'x' });
    const withGroup = (await region.call('sns', 'Publish', {
      TopicArn: FIFO,
      Message: 'x',
      MessageGroupId: 'iris',
      MessageDeduplicationId: 'd1',
    })) as PublishResponse;

    // THEN the first is rejected, the second sequenced
    await expect(without).rejects.toMatchObject({ code: 'InvalidParameter' });
    expect(withGroup.SequenceNumber).toMatch(/^\d{20}$/);
  });
});
