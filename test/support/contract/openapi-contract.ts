import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** The committed contract (clients/platform-api/openapi.json), which lint keeps equal to the code's. */
export const OPENAPI_DOCUMENT_PATH = resolve(__dirname, '../../../clients/platform-api/openapi.json');

interface MediaType {
  schema?: object;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
}
interface Document {
  paths: Record<string, Record<string, OperationObject>>;
  components?: object;
}

export interface RecordedResponse {
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: string;
}

interface Route {
  template: string;
  pattern: RegExp;
  operations: Record<string, OperationObject>;
}

/**
 * Checks a response against the OpenAPI document: the route and method are documented, the status is
 * one the operation lists, and the body matches that status's schema (or is empty when none is
 * documented). Responses to undocumented paths may only be the router's 404/405.
 */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

export class OpenApiContract {
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly ajv: Ajv;

  constructor(private readonly document: Document = readDocument()) {
    // strict off: OpenAPI keywords (example, nullable...) are not JSON Schema's.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.routes = Object.entries(document.paths).map(([template, operations]) => ({
      template,
      // The router also matches an empty parameter (`/v1/webhooks/`), which validation then refuses.
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]*')}$`),
      operations,
    }));
  }

  /** Undefined when the response is as documented, else what differs. */
  check(response: RecordedResponse): string | undefined {
    const { pathname } = new URL(response.url);
    const method = response.method.toLowerCase();
    // The router's own 404 (no route matched, e.g. an empty segment inside a path): no operation ran.
    if (response.status === 404 && isRouterNotFound(response.body)) return undefined;
    const route = this.routes.find((r) => r.pattern.test(pathname));
    const operation = route?.operations[method];
    if (!route || !operation) {
      // The router's 404/405; and on a method with a body, the body parser's 400/413/415, which Fastify
      // answers before its not-found handler (e.g. `/v1/webhooks/./rotate-secret` normalised by the
      // client to an unrouted path, sent with a malformed JSON body).
      const parserError = BODY_METHODS.has(method) && [400, 413, 415].includes(response.status);
      return response.status === 404 || response.status === 405 || parserError
        ? undefined
        : `${response.status} from an undocumented operation`;
    }
    const documented = operation.responses[String(response.status)];
    if (!documented) {
      const listed = Object.keys(operation.responses).join(', ');
      return `status ${response.status} not documented for ${method.toUpperCase()} ${route.template} (documented: ${listed})`;
    }
    const schema = documented.content?.['application/json']?.schema;
    if (!schema) return response.body === '' ? undefined : `a body where none is documented`;
    if (!response.contentType?.startsWith('application/json')) {
      return `content-type ${response.contentType} where application/json is documented`;
    }
    const validate = this.validator(`${method} ${route.template} ${response.status}`, schema);
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return 'body is not JSON';
    }
    if (validate(body)) return undefined;
    return `body does not match the ${response.status} schema: ${this.ajv.errorsText(validate.errors)}`;
  }

  private validator(key: string, schema: object): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      // Local $refs (#/components/...) resolve against the compiled root, so give it the components.
      validate = this.ajv.compile({ ...schema, components: this.document.components });
      this.validators.set(key, validate);
    }
    return validate;
  }
}

function isRouterNotFound(body: string): boolean {
  try {
    return (JSON.parse(body) as { error?: unknown }).error === 'not_found';
  } catch {
    return false;
  }
}

function readDocument(): Document {
  return JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as Document;
}
