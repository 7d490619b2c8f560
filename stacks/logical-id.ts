// The addressing scheme is a naming contract shared with the release CLI (ecs-release init): it lives in contracts/.
export { logicalId } from '../contracts/logical-id';
