import { SNSClient } from '@aws-sdk/client-sns';
import { SDK_CLIENT_CONFIG } from '../clients';

/** A real SNS client (region and credentials from the Lambda environment; see SDK_CLIENT_CONFIG). */
export const sns = (): SNSClient => new SNSClient(SDK_CLIENT_CONFIG);
