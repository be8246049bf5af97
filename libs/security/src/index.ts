export { AdminTokenGuard } from './admin-token.guard';
export { bearerOrHeader, basicCredentials } from './credentials';
export { sha256Hex, secretsEqual, generateSecret } from './secrets';
