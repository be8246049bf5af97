export { AdminTokenGuard } from './admin-token.guard';
export { bearerOrHeader, basicCredentials } from './credentials';
export { sha256Hex, secretsEqual, generateSecret } from './secrets';
export { generateApiKey, isWellFormedApiKey } from './api-key-format';
export { CREDENTIAL_ATTEMPTS, type CredentialAttempts } from './credential-attempts';
