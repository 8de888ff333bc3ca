import { EC2Client } from '@aws-sdk/client-ec2';
import { type AwsClient, SDK_CLIENT_CONFIG } from './clients';

/** An EC2 client for a region (cross-region copies and their retention are handled by that region's EC2). */
export type Ec2ForRegion = (region: string) => AwsClient;

/** Real EC2 clients, one per region, each created on first use (importing this creates none). */
export function realEc2ForRegion(): Ec2ForRegion {
  const clients = new Map<string, EC2Client>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = new EC2Client({ ...SDK_CLIENT_CONFIG, region });
      clients.set(region, client);
    }
    return client;
  };
}
