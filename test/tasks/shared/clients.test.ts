import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { type AwsClient, sendAllPages } from '../../../tasks/shared/clients';

describe('sendAllPages', () => {
  /** A client that answers with `pages` in order and records each request's input. */
  const pagedClient = (pages: readonly Record<string, unknown>[]) => {
    const requests: object[] = [];
    const client: AwsClient = {
      send: async (command) => {
        requests.push(command.input);
        const page = pages[requests.length - 1];
        if (!page) throw new Error('asked for a page past the last');
        return page;
      },
    };
    return { client, requests };
  };
  const FILTERS = [{ Name: 'vpc-id', Values: ['vpc-1'] }];

  it("asks for each next page with the previous page's NextToken and returns every page in order", async () => {
    // GIVEN three pages, linked by their tokens
    const { client, requests } = pagedClient([
      { Subnets: [{ SubnetId: 'subnet-1' }], NextToken: 't1' },
      { Subnets: [{ SubnetId: 'subnet-2' }], NextToken: 't2' },
      { Subnets: [{ SubnetId: 'subnet-3' }] },
    ]);
    // WHEN every page is read
    const pages = await sendAllPages(client, (page) => new DescribeSubnetsCommand({ Filters: FILTERS, ...page }));
    // THEN the first request has no NextToken member at all, each later one the token before it
    expect(requests).toEqual([
      { Filters: FILTERS },
      { Filters: FILTERS, NextToken: 't1' },
      { Filters: FILTERS, NextToken: 't2' },
    ]);
    expect(requests[0]).not.toHaveProperty('NextToken');
    expect(pages.flatMap((p) => p.Subnets ?? []).map((s) => s.SubnetId)).toEqual(['subnet-1', 'subnet-2', 'subnet-3']);
  });

  it('stops after one request when the first page has no (or an empty) NextToken', async () => {
    // GIVEN a single page whose token is empty
    const { client, requests } = pagedClient([{ Subnets: [], NextToken: '' }]);
    // WHEN every page is read / THEN one request was made and its page returned
    const pages = await sendAllPages(client, (page) => new DescribeSubnetsCommand({ ...page }));
    expect(requests).toEqual([{}]);
    expect(pages).toEqual([{ Subnets: [], NextToken: '' }]);
  });

  it('rejects with the error of the page that failed, asking for no page after it', async () => {
    // GIVEN a client that fails on the second page
    const { client, requests } = pagedClient([{ NextToken: 't1' }]);
    // WHEN every page is read / THEN the error comes through and no third request was made
    await expect(sendAllPages(client, (page) => new DescribeSubnetsCommand({ ...page }))).rejects.toThrow(
      'asked for a page past the last',
    );
    expect(requests).toHaveLength(2);
  });
});
