import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SDK_CLIENT_CONFIG } from '../clients';

/** A real Elastic Load Balancing v2 client (region and credentials from the Lambda environment; see SDK_CLIENT_CONFIG). */
export const elbv2 = (): ElasticLoadBalancingV2Client => new ElasticLoadBalancingV2Client(SDK_CLIENT_CONFIG);
