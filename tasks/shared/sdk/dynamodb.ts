import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SDK_CLIENT_CONFIG } from '../clients';

/** A real DynamoDB client (region and credentials from the Lambda environment; see SDK_CLIENT_CONFIG). */
export const dynamodb = (): DynamoDBClient => new DynamoDBClient(SDK_CLIENT_CONFIG);
