/**
 * The target file: a service couponbench did not start, described well enough to load it and
 * audit it. Its field names are a public format (README, "Test your own service").
 */
import { z } from 'zod';
import { IntegrityPromiseSchema } from '../../strategies/types.js';
import { DurationSchema } from '../duration.js';
import { LINK_NAMES, SurvivesSchema } from '../faults/spec.js';
import { JsonPathSchema } from './jsonPath.js';
import { isLoopback } from '../infra/ports.js';
import { FRAMING_HEADERS } from '../load/httpConnection.js';
import { TlsSchema } from './tls.js';
import { PLACEHOLDERS, PORT_PLACEHOLDER, SETUP_PLACEHOLDERS, templateUrl, unknownPlaceholders, writtenOrigin, type PlaceholderName } from './template.js';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Outcomes a rule can name; `rejected` is a refusal without issuing (lock busy, conflict, rate limit). */
export const TARGET_OUTCOMES = ['issued', 'sold_out', 'already_issued', 'rejected', 'failed'] as const;
export type TargetOutcome = (typeof TARGET_OUTCOMES)[number];

/** Redis commands a probe may run: reads only, so an audit never changes what it audits. */
export const READ_ONLY_REDIS = ['GET', 'STRLEN', 'EXISTS', 'SCARD', 'SMEMBERS', 'SISMEMBER', 'HGET', 'HLEN', 'HKEYS', 'HVALS', 'LLEN', 'LRANGE', 'ZCARD', 'ZRANGE', 'ZSCORE', 'XLEN'];

/** The longest list (rules, steps, ports, headers) a file may hold: far beyond use, well below what would exhaust memory. */
export const LIST_LIMIT = 100;

function placeholdersIn(allowed: readonly PlaceholderName[]) {
  return (text: string, ctx: z.RefinementCtx) => {
    const unknown = unknownPlaceholders(text, allowed);
    if (unknown.length > 0) {
      const known = PLACEHOLDERS.filter((p) => allowed.includes(p));
      ctx.addIssue({ code: 'custom', message: `${unknown.map((u) => `{${u}}`).join(', ')} cannot be used here (use ${known.map((k) => `{${k}}`).join(', ')})` });
    }
  };
}

const setupText = z.string().min(1).superRefine(placeholdersIn(SETUP_PLACEHOLDERS));

const regex = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
  }
});

/** Control characters (CR and LF above all) would put a second line on the wire: a header or a request of their own. */
const CONTROL = /[\u0000-\u001f\u007f]/;
/** In a header value only a tab may be a control character. */
export const FORBIDDEN_IN_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/** A header name is an RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const httpUrl = (allowed: readonly PlaceholderName[]) =>
  z.string().superRefine((text, ctx) => {
    if (CONTROL.test(text) || /\s/.test(text)) {
      ctx.addIssue({ code: 'custom', message: 'a URL cannot hold spaces, line breaks or other control characters (percent-encode them)' });
      return;
    }
    placeholdersIn([...allowed, 'port' as PlaceholderName])(text, ctx);
    let url: URL;
    try {
      url = templateUrl(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `only http:// and https:// are supported, not ${url.protocol}//` });
    const origin = writtenOrigin(text);
    if (/\{/.test(origin.replace(`:${PORT_PLACEHOLDER}`, ''))) ctx.addIssue({ code: 'custom', message: 'placeholders belong in the path or query, not the host (but for :{port}, the port of a service instance)' });
    if (text.slice(origin.length).includes(PORT_PLACEHOLDER)) ctx.addIssue({ code: 'custom', message: '{port} stands for the port, after the host' });
  });

function requestSchema(allowed: readonly PlaceholderName[]) {
  const text = z.string().superRefine(placeholdersIn(allowed));
  return z
    .object({
      method: z.enum(HTTP_METHODS).default('POST'),
      url: httpUrl(allowed),
      headers: z
        .record(
          z.string().regex(HEADER_NAME, 'a header name is letters, digits and !#$%&\'*+-.^_`|~ (no spaces, colons or line breaks)'),
          text.refine((v) => !FORBIDDEN_IN_HEADER_VALUE.test(v), 'a header value cannot hold a line break or another control character'),
        )
        .refine((r) => Object.keys(r).length <= LIST_LIMIT, `at most ${LIST_LIMIT} headers`)
        .superRefine((headers, ctx) => {
          for (const name of Object.keys(headers)) {
            if (FRAMING_HEADERS.includes(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: `${name} frames the message: couponbench computes it from the body (leave it out)` });
          }
        })
        .default({}),
      body: text.optional(),
    })
    .strict();
}

const REQUEST_PLACEHOLDERS = PLACEHOLDERS.filter((p) => p !== 'token');
const LOGIN_PLACEHOLDERS = REQUEST_PLACEHOLDERS.filter((p) => p !== 'iteration');

const sqlText = setupText
  .refine((s) => /^\s*(select|with|show)\b/i.test(s), 'a probe reads: it must be a SELECT (or WITH / SHOW)')
  // A read-only transaction keeps a probe from writing rows, not files on the database host.
  .refine((s) => !/\binto(\s|\/\*[^]*?\*\/)+(outfile|dumpfile)\b/i.test(s), 'a probe reads: INTO OUTFILE / DUMPFILE writes a file on the database host');
const redisRead = setupText.refine(
  (c) => READ_ONLY_REDIS.includes(c.trim().split(/\s+/)[0]!.toUpperCase()),
  `a probe reads: use one of ${READ_ONLY_REDIS.join(', ')}`,
);

/** Exactly one of the given keys is set (a probe is SQL or Redis; a reset step SQL, Redis or shell). */
function oneOf<T extends object>(keys: Array<keyof T & string>) {
  return (value: T, ctx: z.RefinementCtx) => {
    const set = keys.filter((k) => value[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: 'custom', message: `give exactly one of ${keys.map((k) => `"${k}"`).join(', ')}` });
  };
}

/** `json`: the value read is JSON (a Redis string, a SQL column holding JSON) and the figure is this field of it. */
const probeFields = { sql: sqlText.optional(), redis: redisRead.optional(), json: JsonPathSchema.optional() };
/** One read of the service's state: a SELECT on its database or a read command on its Redis. */
export const ProbeSchema = z.object(probeFields).strict().superRefine(oneOf(['sql', 'redis']));
export type Probe = z.infer<typeof ProbeSchema>;

/** The issued probe returns user ids (one row or member each) or one count; `returns` says which when it is not plain. */
const IssuedProbeSchema = z
  .object({ ...probeFields, returns: z.enum(['users', 'count']).optional() })
  .strict()
  .superRefine(oneOf(['sql', 'redis']));
export type IssuedProbe = z.infer<typeof IssuedProbeSchema>;

/** A further probe whose value must equal the final stock (`quantity`) or the issued count (`issued`). */
const ExtraProbeSchema = z
  .object({ ...probeFields, equals: z.enum(['quantity', 'issued']).default('quantity') })
  .strict()
  .superRefine(oneOf(['sql', 'redis']));
export type ExtraProbe = z.infer<typeof ExtraProbeSchema>;

export const ResetStepSchema = z
  .object({ sql: setupText.optional(), redis: setupText.optional(), shell: setupText.optional() })
  .strict()
  .superRefine(oneOf(['sql', 'redis', 'shell']));
export type ResetStep = z.infer<typeof ResetStepSchema>;

const statusMatcher = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5]xx$/, 'a status class is written like "2xx"'),
]);

/** One field of a JSON answer, and the value it must hold: many services answer 400 to every refusal and put the reason in a code. */
const BodyFieldSchema = z.object({ path: JsonPathSchema, equals: z.union([z.string(), z.number(), z.boolean()]) }).strict();

export const OutcomeRuleSchema = z
  .object({ status: statusMatcher, bodyMatches: regex.optional(), body: BodyFieldSchema.optional(), outcome: z.enum(TARGET_OUTCOMES) })
  .strict();
export type OutcomeRule = z.infer<typeof OutcomeRuleSchema>;

/** `{port}` and `{links.<link>.port}` (`{links.mysql.port}`, ...): what a started service's environment and readiness check may name. */
const SERVICE_PLACEHOLDER = /\{([^}]*)\}/g;
const SERVICE_PLACEHOLDERS = ['port', ...LINK_NAMES.map((name) => `links.${name}.port`)];
const serviceText = z.string().superRefine((text, ctx) => {
  for (const [, name] of text.matchAll(SERVICE_PLACEHOLDER)) {
    if (!SERVICE_PLACEHOLDERS.includes(name!)) ctx.addIssue({ code: 'custom', message: `{${name}} cannot be used here (use ${SERVICE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})` });
  }
});

const hostPort = z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:3306');
const port = z.number().int().min(1).max(65535);

/**
 * How pause-holder finds who holds the service's lock: a read (SQL or Redis) that returns the
 * owner id stored in the lock (nothing: no one holds it), and a regular expression whose first
 * group (or whole match) is the holding instance's port or the pid of one of its processes.
 */
export const LockHolderSchema = z
  .object({ ...probeFields, owner: regex.default('^(\\d+)'), ownerIs: z.enum(['port', 'pid']).default('port') })
  .strict()
  .superRefine(oneOf(['sql', 'redis']));
export type LockHolderProbe = z.infer<typeof LockHolderSchema>;

/** How couponbench starts the service itself: one instance per port, each waited for until ready. */
export const ServiceStartSchema = z
  .object({
    /** Run through a shell in `cwd`, once per port. */
    command: z.string().min(1),
    /** Relative to the target file. */
    cwd: z.string().default('.'),
    ports: z
      .array(port)
      .min(1)
      .max(LIST_LIMIT, `at most ${LIST_LIMIT} instances`)
      .refine((ports) => new Set(ports).size === ports.length, 'a port is listed twice: one instance per port'),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), serviceText).refine((r) => Object.keys(r).length <= LIST_LIMIT, `at most ${LIST_LIMIT} variables`).default({}),
    ready: z.union([z.object({ http: serviceText }).strict(), z.object({ tcp: serviceText }).strict()]),
    /** How long an instance may take to become ready. */
    readyTimeout: DurationSchema.default(30),
    /** Who holds the lock now, for pause-holder. */
    lockHolder: LockHolderSchema.optional(),
  })
  .strict();
export type ServiceStart = z.infer<typeof ServiceStartSchema>;

/** A dependency the service reaches through couponbench's proxy (link faults act there). */
const LinkSchema = z.object({ upstream: hostPort, listen: port.optional() }).strict();

export const TargetFileSchema = z
  .object({
    /** The JSON Schema an editor checks the file with (`couponbench schema target`). */
    $schema: z.string().optional(),
    name: z.string().regex(/^[\w.-]+$/, 'a name is letters, digits and . _ -'),
    promise: IntegrityPromiseSchema.default('across-instances'),
    /** How many instances of the service run: with promise "single-instance", integrity is promised only on 1. */
    instances: z.number().int().positive().default(1),
    couponId: z.union([z.number().int().nonnegative(), z.string().regex(/^[\w.:-]+$/, 'a coupon id is letters, digits and . _ - :')]).default(1),
    request: requestSchema(PLACEHOLDERS),
    login: z
      .object({
        request: requestSchema(LOGIN_PLACEHOLDERS),
        /** Where the token is in the JSON answer, e.g. "data.accessToken" (or "$.data.accessToken"). */
        token: JsonPathSchema,
      })
      .strict()
      .optional(),
    outcomes: z.array(OutcomeRuleSchema).min(1).max(LIST_LIMIT, `at most ${LIST_LIMIT} rules`),
    /** For https:// URLs: the certificate to trust (a private CA), or none checked. */
    tls: TlsSchema.optional(),
    mysql: z.string().regex(/^mysql:\/\//, 'a mysql:// URL').optional(),
    /** Or PostgreSQL: sql probes and reset steps run on whichever of the two the file gives. */
    postgres: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// (or postgresql://) URL').optional(),
    redis: z.string().regex(/^rediss?:\/\//, 'a redis:// URL').optional(),
    audit: z
      .object({
        /** The stock left: a number the service keeps. */
        quantity: ProbeSchema.optional(),
        /**
         * Or, for a service that keeps no stock number, how many it may issue in all: a number,
         * "{quantity}" (the run's --quantity), or a probe. The stock left is then the capacity
         * less the issued records, and over-issue is records beyond the capacity.
         */
        capacity: z.union([z.number().int().nonnegative(), z.literal('{quantity}'), ProbeSchema]).optional(),
        issued: IssuedProbeSchema.optional(),
        extra: z.record(z.string().regex(/^[\w .:-]+$/, 'a probe name is letters, digits, spaces and . _ - :'), ExtraProbeSchema).refine((r) => Object.keys(r).length <= LIST_LIMIT, `at most ${LIST_LIMIT} probes`).default({}),
        /** The login probes use, when the file's own may do more than read (same database, a read-only user). */
        url: z.string().regex(/^(mysql|postgres(ql)?):\/\//, 'a mysql:// or postgres:// URL').optional(),
        /** Accept a probe login that may write files, run programs or end sessions (a superuser, FILE, SUPER). */
        allowPrivilegedProbes: z.boolean().default(false),
        /** The longest one SQL probe may run before the database stops it. */
        timeout: DurationSchema.refine((s) => s > 0, 'a probe time limit is above 0').default(10),
      })
      .strict(),
    reset: z.array(ResetStepSchema).max(LIST_LIMIT, `at most ${LIST_LIMIT} steps`).optional(),
    settle: DurationSchema.default(0),
    /** Started by couponbench (absent: the service runs elsewhere). */
    service: ServiceStartSchema.optional(),
    /** Dependencies reached through couponbench's proxy, for link faults. */
    links: z.object(Object.fromEntries(LINK_NAMES.map((name) => [name, LinkSchema.optional()])) as Record<(typeof LINK_NAMES)[number], z.ZodOptional<typeof LinkSchema>>).strict().default({}),
    /**
     * The faults the service promises to keep integrity under; the gate holds it to them. By
     * default every fault: a service that promises integrity is tested under the faults asked for.
     */
    survives: SurvivesSchema.default('every'),
  })
  .strict()
  .superRefine((t, ctx) => {
    const secure = [t.request.url, t.login?.request.url ?? ''].some((u) => u.startsWith('https://'));
    if (t.tls && !secure) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls is for https:// request URLs' });
    if (t.request.url.includes(PORT_PLACEHOLDER) && !t.service) ctx.addIssue({ code: 'custom', path: ['request', 'url'], message: '{port} needs a "service" section (the ports couponbench starts it on)' });
    const linked = JSON.stringify(t.service?.env ?? {});
    const sqlUrl = t.mysql ?? t.postgres;
    if (t.audit.url && !sqlUrl) ctx.addIssue({ code: 'custom', path: ['audit', 'url'], message: 'audit.url is the probes\' login to the file\'s "mysql" or "postgres" database: give that first' });
    if (t.audit.url && sqlUrl && t.audit.url.startsWith('mysql') !== sqlUrl.startsWith('mysql')) ctx.addIssue({ code: 'custom', path: ['audit', 'url'], message: 'audit.url logs in to the same database as the file\'s own URL (mysql:// with "mysql", postgres:// with "postgres")' });
    if (t.mysql && t.postgres) ctx.addIssue({ code: 'custom', path: ['postgres'], message: 'give "mysql" or "postgres", not both: sql probes and reset steps run on one database' });
    for (const name of LINK_NAMES) {
      const link = t.links[name];
      if (linked.includes(`{links.${name}.port}`) && !link) ctx.addIssue({ code: 'custom', path: ['service', 'env'], message: `{links.${name}.port} needs links.${name}` });
      if (!link) continue;
      const [host, port] = link.upstream.split(':');
      const upstreamPort = Number(port);
      if (!isLoopback(host!)) continue;
      if (link.listen === upstreamPort) ctx.addIssue({ code: 'custom', path: ['links', name, 'listen'], message: `${link.listen} is its upstream's own port: the proxy would connect to itself` });
      if (t.service?.ports.includes(upstreamPort)) ctx.addIssue({ code: 'custom', path: ['links', name, 'upstream'], message: `port ${upstreamPort} is one of service.ports: the upstream is the database, not the service` });
    }
    if (t.service && t.service.ports.length !== t.instances && t.instances !== 1) ctx.addIssue({ code: 'custom', path: ['instances'], message: 'with a "service" section the instances are its ports' });
    const usesToken = [t.request.url, t.request.body ?? '', ...Object.values(t.request.headers)].some((s) => s.includes('{token}'));
    if (usesToken && !t.login) ctx.addIssue({ code: 'custom', path: ['request'], message: '{token} needs a "login" request' });
    const need = (kind: 'sql' | 'redis', path: (string | number)[]) => {
      if (kind === 'sql' && !t.mysql && !t.postgres) ctx.addIssue({ code: 'custom', path, message: 'an sql step needs "mysql" or "postgres" (the URL of the service\'s database)' });
      if (kind === 'redis' && !t.redis) ctx.addIssue({ code: 'custom', path, message: 'a redis step needs "redis" (the service\'s Redis URL)' });
    };
    if ((t.audit.quantity === undefined) === (t.audit.capacity === undefined)) ctx.addIssue({ code: 'custom', path: ['audit'], message: 'give "quantity" (a probe of the stock left) or "capacity" (how many may be issued in all), not both' });
    if (t.audit.capacity !== undefined && !t.audit.issued) ctx.addIssue({ code: 'custom', path: ['audit', 'issued'], message: 'a capacity is audited against the issued records: add audit.issued' });
    const kindOf = (p: { sql?: string; redis?: string }) => (p.sql !== undefined ? 'sql' : p.redis !== undefined ? 'redis' : undefined);
    const probes: Array<[{ sql?: string; redis?: string } | undefined, (string | number)[]]> = [
      [t.audit.quantity, ['audit', 'quantity']],
      [typeof t.audit.capacity === 'object' ? t.audit.capacity : undefined, ['audit', 'capacity']],
      [t.audit.issued, ['audit', 'issued']],
      ...Object.entries(t.audit.extra).map(([name, p]): [ExtraProbe, string[]] => [p, ['audit', 'extra', name]]),
      ...(t.reset ?? []).map((s, i): [ResetStep, (string | number)[]] => [s, ['reset', i]]),
      [t.service?.lockHolder, ['service', 'lockHolder']],
    ];
    for (const [probe, path] of probes) {
      const kind = probe && kindOf(probe);
      if (kind) need(kind, path);
    }
  });
export type TargetFile = z.infer<typeof TargetFileSchema>;

/** Every problem of a target file on one line, each with its path. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, ISSUES_SHOWN).map((i) => `${i.path.length > 0 ? i.path.map(pathPart).join('.') : '(file)'}: ${messageOf(i)}`);
  const rest = error.issues.length - shown.length;
  return [...shown, ...(rest > 0 ? [`and ${rest} more of the same kinds`] : [])].join('; ');
}

/** A file with hundreds of problems is shown by its first few, on one line still. */
const ISSUES_SHOWN = 20;

/** A key with line breaks or other control characters is shown quoted, so the message stays one line. */
function pathPart(part: PropertyKey): string {
  const text = String(part);
  return CONTROL.test(text) ? JSON.stringify(text) : text;
}

/** A bad record key (a header name) says why, not zod's "Invalid key in record". */
function messageOf(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_key' && issue.issues[0] ? issue.issues[0].message : issue.message;
}
