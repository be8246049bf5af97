export { CoreModule, type CoreOptions } from './core.module';
export { createPlatformApp, type PlatformApp, type PlatformAppOptions } from './platform-app';
