import { SSMClient } from '@aws-sdk/client-ssm';
import { SDK_CLIENT_CONFIG } from '../clients';

/** A real SSM client (region and credentials from the Lambda environment; see SDK_CLIENT_CONFIG). */
export const ssm = (): SSMClient => new SSMClient(SDK_CLIENT_CONFIG);
