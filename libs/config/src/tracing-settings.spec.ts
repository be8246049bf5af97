import { describe, expect, it } from 'vitest';
import { loadTracingSettings } from './tracing-settings';

describe('tracing settings from the standard OTEL_* variables', () => {
  it('is off by default', () => {
    expect(loadTracingSettings({})).toEqual({ enabled: false });
  });
  it('turns on with an OTLP endpoint, or an exporter other than none', () => {
    expect(loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).enabled).toBe(true);
    expect(
      loadTracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).enabled,
    ).toBe(true);
    expect(loadTracingSettings({ OTEL_TRACES_EXPORTER: 'console' }).enabled).toBe(true);
    expect(loadTracingSettings({ OTEL_SERVICE_NAME: 'api-eu', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({
      enabled: true,
      serviceName: 'api-eu',
    });
  });
  it('stays off when disabled, when the exporter is none, or when a value is invalid', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(loadTracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }).enabled).toBe(false);
  });
});
