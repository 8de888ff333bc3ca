import { EC2Client } from '@aws-sdk/client-ec2';
import { SDK_CLIENT_CONFIG } from '../clients';

/** A real EC2 client (region and credentials from the Lambda environment; see SDK_CLIENT_CONFIG). */
export const ec2 = (): EC2Client => new EC2Client(SDK_CLIENT_CONFIG);
