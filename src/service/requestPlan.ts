/** A target file's request (and login) as the plan its virtual users follow. */
import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.js';
import { portOf, type OutgoingRequest, type RequestContext, type RequestPlan, type VuSession } from '../load/requestPlan.js';
import { compileOutcomeRules } from './outcomeRules.js';
import { atPathOfText } from './jsonPath.js';
import { certificateRefusal, simpleRequest, tlsClientOptions, type TlsClientOptions } from './tls.js';
import { FORBIDDEN_IN_HEADER_VALUE, type TargetFile } from './schema.js';
import { compileTemplate, PORT_PLACEHOLDER, templateUrl, writtenOrigin, type Template, type TemplateValues } from './template.js';

type RequestSpec = TargetFile['request'];

interface CompiledRequest {
  origin: URL;
  method: string;
  path: Template;
  headers: Array<[string, Template]>;
  body?: Template;
  usesUuid: boolean;
}

function compileRequest(spec: RequestSpec): CompiledRequest {
  const origin = templateUrl(spec.url).origin;
  // The path after the origin as written (its port may be {port}).
  const written = writtenOrigin(spec.url);
  const isJson = Object.entries(spec.headers).some(([k, v]) => k.toLowerCase() === 'content-type' && /json/i.test(v)) || /^\s*[[{]/.test(spec.body ?? '');
  const path = compileTemplate(spec.url.slice(written.length) || '/', 'url');
  const headers = Object.entries(spec.headers).map(([k, v]): [string, Template] => [k, compileTemplate(v, 'text')]);
  const body = spec.body === undefined ? undefined : compileTemplate(spec.body, isJson ? 'json' : 'text');
  const usesUuid = [path, body, ...headers.map(([, t]) => t)].some((t) => t?.names.includes('uuid'));
  return { origin: new URL(origin), method: spec.method, path, headers, body, usesUuid };
}

function render(req: CompiledRequest, values: TemplateValues): OutgoingRequest {
  const all = req.usesUuid ? { ...values, uuid: randomUUID() } : values;
  return {
    method: req.method,
    path: req.path.render(all),
    headers: Object.fromEntries(req.headers.map(([k, t]) => [k, t.render(all)])),
    ...(req.body ? { body: req.body.render(all) } : {}),
  };
}

/** The values every template of the run shares. */
export interface RunValues {
  couponId: string | number;
  quantity: number;
}

/** `ports`: the started service's instances, for a request URL with {port}. */
export function targetPlan(target: TargetFile, run: RunValues, timeoutMs: number, ports?: number[]): RequestPlan {
  const request = compileRequest(target.request);
  const decode = compileOutcomeRules(target.outcomes);
  const secure = request.origin.protocol === 'https:';
  const tls = tlsClientOptions(target.tls);
  const plan: RequestPlan = {
    source: { kind: 'target', target, run, timeoutMs, ...(ports ? { ports } : {}) },
    hostname: request.origin.hostname.replace(/^\[|\]$/g, ''),
    port: Number(request.origin.port || (secure ? 443 : 80)),
    ...(secure ? { tls } : {}),
    ...(ports && target.request.url.includes(PORT_PLACEHOLDER) ? { ports } : {}),
    build: (ctx: RequestContext) =>
      render(request, { ...run, userId: ctx.userId, vu: ctx.vu, iteration: ctx.iteration, ...(ctx.session ? { token: ctx.session.token } : {}) }),
    decode,
  };
  if (target.login) {
    const login = compileRequest(target.login.request);
    const tokenPath = target.login.token;
    const loginPorts = ports && target.login.request.url.includes(PORT_PLACEHOLDER) ? ports : undefined;
    plan.login = (userId, vu) => signIn(login, tokenPath, { ...run, userId, vu }, timeoutMs, tls, loginPorts && portOf({ ...plan, ports: loginPorts }, vu));
  }
  return plan;
}

async function signIn(login: CompiledRequest, tokenPath: string, values: TemplateValues, timeoutMs: number, tls: TlsClientOptions, port?: number): Promise<VuSession> {
  const req = render(login, values);
  const url = new URL(req.path, login.origin);
  if (port !== undefined) url.port = String(port);
  const where = `login for user ${values.userId} (${req.method} ${url})`;
  let status: number;
  let text: string;
  try {
    ({ status, text } = await simpleRequest(url, { method: req.method, headers: req.headers, body: req.body, timeoutMs, tls }));
  } catch (err) {
    const refused = certificateRefusal(err, where);
    if (refused) throw refused;
    throw new UsageError(`${where} failed: ${(err as Error).message}`);
  }
  const token = atPathOfText(text, tokenPath);
  if (typeof token !== 'string' && typeof token !== 'number') {
    throw new UsageError(`${where} yielded no token at ${tokenPath}: ${status} ${text.slice(0, 120).replace(/\s+/g, ' ')}`);
  }
  // A token goes into headers as it is: a line break in it would put a header of the service's choosing on the wire.
  if (FORBIDDEN_IN_HEADER_VALUE.test(String(token))) throw new UsageError(`${where} yielded a token with a line break or another control character at ${tokenPath}; it cannot go into a header`);
  return { token: String(token) };
}
