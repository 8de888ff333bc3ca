/**
 * SNS of the simulated region: Publish to the scenario's topics. Every published message is recorded with its modeled
 * time (`snapshot().messages`); nothing is delivered to subscribers. Error codes are the SDK model's wire codes
 * (`awsQueryError`): NotFound, InvalidParameter.
 */
import type { MessageAttributeValue, PublishResponse } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { AwsApiError } from './errors';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export const snsEnvironmentSchema = z.strictObject({
  topics: z.array(z.strictObject({ topicArn: z.string().regex(TOPIC_ARN, 'must be an SNS topic ARN') })).default([]),
});
export type SnsEnvironment = z.input<typeof snsEnvironmentSchema>;

/** One published message as recorded. */
export interface PublishedMessage {
  /** Modeled seconds since the drill started. */
  readonly at: number;
  readonly topicArn: string;
  readonly messageId: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  /** Binary values as base64 strings, so the record stays plain JSON. */
  readonly messageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  readonly messageGroupId?: string;
}

/** Message body plus attributes (names, types and values) may total 256 KiB (Publish API reference). */
const MAX_MESSAGE_BYTES = 256 * 1024;

type Input = Record<string, unknown>;

export class SnsSimulator implements ServiceSimulator {
  readonly name = 'sns' as const;
  readonly actions: Readonly<Record<string, ActionHandler>> = {
    Publish: (input) => this.publish(input),
  };
  readonly messages: PublishedMessage[] = [];
  private readonly topics = new Set<string>();
  private sequence = 0n;

  constructor(
    private readonly region: SimulatedRegion,
    environment: SnsEnvironment = {},
  ) {
    for (const t of snsEnvironmentSchema.parse(environment).topics) this.topics.add(t.topicArn);
  }

  latencyOf(_action: string): number {
    return this.region.latency['sns.Publish'];
  }

  snapshot(): unknown {
    return { topics: [...this.topics], messages: structuredClone(this.messages) };
  }

  private publish(input: Input): PublishResponse {
    const topicArn = (input.TopicArn ?? input.TargetArn) as string | undefined;
    if (input.PhoneNumber !== undefined) throw new Error('the simulated SNS does not publish to phone numbers');
    if (topicArn === undefined) {
      throw invalidParameter('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    }
    if (typeof topicArn !== 'string' || !TOPIC_ARN.test(topicArn))
      throw invalidParameter('Invalid parameter: TopicArn');
    const message = input.Message;
    if (typeof message !== 'string' || message.length === 0) throw invalidParameter('Invalid parameter: Empty message');
    const subject = input.Subject as string | undefined;
    // Subject: ASCII, starts with a letter, number or punctuation, no line breaks or control characters, < 100 chars.
    if (
      subject !== undefined &&
      (subject.length === 0 || subject.length >= 100 || !/^[\x21-\x7e][\x20-\x7e]*$/.test(subject))
    ) {
      throw invalidParameter('Invalid parameter: Subject');
    }
    const structure = input.MessageStructure as string | undefined;
    if (structure !== undefined && structure !== 'json') throw invalidParameter('Invalid parameter: MessageStructure');
    if (structure === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      if (parsed === null || typeof parsed !== 'object' || typeof (parsed as Input).default !== 'string') {
        throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
      }
    }
    const attributes = input.MessageAttributes as Record<string, MessageAttributeValue> | undefined;
    let bytes = Buffer.byteLength(message);
    for (const [name, a] of Object.entries(attributes ?? {})) {
      if (!a || typeof a.DataType !== 'string') {
        throw invalidParameter(
          `Invalid parameter: MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute type.`,
        );
      }
      if (a.StringValue === undefined && a.BinaryValue === undefined) {
        throw invalidParameter(
          `Invalid parameter: MessageAttributes Reason: The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${a.DataType}'.`,
        );
      }
      bytes +=
        Buffer.byteLength(name) +
        Buffer.byteLength(a.DataType) +
        Buffer.byteLength(a.StringValue ?? '') +
        (a.BinaryValue?.length ?? 0);
    }
    if (bytes > MAX_MESSAGE_BYTES) throw invalidParameter('Invalid parameter: Message too long');
    const fifo = topicArn.endsWith('.fifo');
    const groupId = input.MessageGroupId as string | undefined;
    if (fifo && groupId === undefined) {
      throw invalidParameter('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    }
    if (!this.topics.has(topicArn)) throw new AwsApiError('sns', 'NotFound', 'Topic does not exist', 404);

    const messageId = this.region.random.uuid();
    this.messages.push({
      at: this.region.clock.elapsedSeconds(),
      topicArn,
      messageId,
      message,
      ...(subject !== undefined ? { subject } : {}),
      ...(structure !== undefined ? { messageStructure: structure } : {}),
      ...(attributes !== undefined ? { messageAttributes: plainAttributes(attributes) } : {}),
      ...(groupId !== undefined ? { messageGroupId: groupId } : {}),
    });
    if (!fifo) return { MessageId: messageId };
    this.sequence += 1n;
    return { MessageId: messageId, SequenceNumber: (10000000000000000000n + this.sequence).toString() };
  }
}

function plainAttributes(attributes: Record<string, MessageAttributeValue>): PublishedMessage['messageAttributes'] {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      {
        DataType: a.DataType as string,
        ...(a.StringValue !== undefined ? { StringValue: a.StringValue } : {}),
        ...(a.BinaryValue !== undefined ? { BinaryValue: Buffer.from(a.BinaryValue).toString('base64') } : {}),
      },
    ]),
  );
}

function invalidParameter(message: string): AwsApiError {
  return new AwsApiError('sns', 'InvalidParameter', message, 400);
}
