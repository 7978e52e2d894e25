import { Activities } from '../lib/activityContracts';
import { readGatewayPublicIp } from '../lib/adapters/gateway';
import { defineActivity } from './defineActivity';

export const getGatewayPublicIp = defineActivity(Activities.getGatewayPublicIp, async (_input, config) => readGatewayPublicIp(config));
