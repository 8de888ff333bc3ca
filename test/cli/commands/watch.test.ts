import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { historySince } from '../../../cli/commands/watch';
import { regionOfArn, sfnClient } from '../../../cli/aws';

/** A Step Functions client that answers GetExecutionHistory from `events` as the API pages it, and counts calls. */
function historyClient(events: HistoryEvent[]) {
  const calls: GetExecutionHistoryCommand['input'][] = [];
  const client = {
    send: async (command: GetExecutionHistoryCommand) => {
      const input = command.input;
      calls.push(input);
      const ordered = input.reverseOrder ? [...events].reverse() : events;
      const start = Number(input.nextToken ?? 0);
      const max = input.maxResults ?? 100;
      const page = ordered.slice(start, start + max);
      return { events: page, ...(start + max < ordered.length ? { nextToken: String(start + max) } : {}) };
    },
  };
  return { client: client as unknown as SFNClient, calls };
}

const EVENTS: HistoryEvent[] = Array.from({ length: 250 }, (_, i) => ({
  id: i + 1,
  type: 'PassStateEntered',
  timestamp: new Date(0),
}));

describe('watch: reading the history', () => {
  it('reads only the events after the last one shown, newest first, in one call', async () => {
    // GIVEN 250 events of which 240 were shown WHEN the watch polls THEN one call returns the 10 new ones, in order
    const { client, calls } = historyClient(EVENTS);
    const fresh = await historySince(client, 'arn', 240);
    expect(fresh.map((e) => e.id)).toEqual([241, 242, 243, 244, 245, 246, 247, 248, 249, 250]);
    expect(calls).toEqual([
      { executionArn: 'arn', reverseOrder: true, maxResults: 100, includeExecutionData: false, nextToken: undefined },
    ]);
  });

  it('pages back with nextToken as far as needed, and reads nothing twice', async () => {
    const { client, calls } = historyClient(EVENTS);
    const all = await historySince(client, 'arn', 0);
    expect(all.map((e) => e.id)).toEqual(EVENTS.map((e) => e.id));
    expect(calls.map((c) => c.nextToken)).toEqual([undefined, '100', '200']);
    expect(await historySince(client, 'arn', 250)).toEqual([]);
  });
});

describe('the Region of a command', () => {
  it("is the ARN's when no --region is given, and --region when it is", async () => {
    const arn = 'arn:aws:states:eu-central-1:123456789012:execution:DrPromotion0C663FC0:dr-db-1-0123456789abcdef';
    expect(regionOfArn(arn)).toBe('eu-central-1');
    expect(regionOfArn('not-an-arn')).toBeUndefined();
    const fromArn = sfnClient({ endpoint: 'http://127.0.0.1:1' }, arn);
    const given = sfnClient({ endpoint: 'http://127.0.0.1:1', region: 'us-east-2' }, arn);
    expect(await fromArn.config.region()).toBe('eu-central-1');
    expect(await given.config.region()).toBe('us-east-2');
    fromArn.destroy();
    given.destroy();
  });
});
