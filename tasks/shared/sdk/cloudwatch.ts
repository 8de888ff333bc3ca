import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SDK_CLIENT_CONFIG } from '../clients';

/** A real CloudWatch client (region and credentials from the Lambda environment; see SDK_CLIENT_CONFIG). */
export const cloudwatch = (): CloudWatchClient => new CloudWatchClient(SDK_CLIENT_CONFIG);
