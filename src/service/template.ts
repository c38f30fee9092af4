/**
 * Templates of a target file: text with `{name}` placeholders, compiled once and rendered per
 * request. Where a value lands decides how it is written: percent-encoded in a URL, escaped
 * inside a JSON string (and quoted when the placeholder stands alone as a JSON value), as-is in
 * headers, SQL, Redis arguments and shell lines.
 */

/** Every placeholder a template may use; which are available depends on where it is used. */
export const PLACEHOLDERS = ['couponId', 'userId', 'quantity', 'vu', 'iteration', 'uuid', 'token'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Partial<Record<PlaceholderName, string | number>>;

/** Placeholders known before the load starts: reset steps and probes may use only these. */
export const SETUP_PLACEHOLDERS: readonly PlaceholderName[] = ['couponId', 'quantity'];

export type TemplateContext = 'url' | 'json' | 'text';

type Part = { text: string } | { name: PlaceholderName; inString: boolean };

export interface Template {
  readonly source: string;
  readonly names: readonly PlaceholderName[];
  render(values: TemplateValues): string;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `{port}` in a request URL: the port of the service instance a VU is bound to (`service.ports`). */
export const PORT_PLACEHOLDER = '{port}';

/** The scheme, host and port of a URL template as written (`http://127.0.0.1:{port}`). */
export function writtenOrigin(text: string): string {
  return text.split('/').slice(0, 3).join('/');
}

/** A URL template with every placeholder replaced by a stand-in (`{port}` by `port`), to read its scheme, host and port. */
export function templateUrl(text: string, port = 1): URL {
  return new URL(text.replaceAll(PORT_PLACEHOLDER, String(port)).replace(PLACEHOLDER, 'x'));
}

/** Placeholder names in `text` that are not in `allowed` (the schema reports them with their path). */
export function unknownPlaceholders(text: string, allowed: readonly string[] = PLACEHOLDERS): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !allowed.includes(name));
}

export function compileTemplate(source: string, context: TemplateContext): Template {
  const parts: Part[] = [];
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) continue; // e.g. JSON braces; the schema rejected real typos
    parts.push({ text: source.slice(last, m.index) });
    parts.push({ name: name as PlaceholderName, inString: context === 'json' && insideJsonString(source, m.index!) });
    last = m.index! + m[0].length;
  }
  parts.push({ text: source.slice(last) });
  const names = parts.flatMap((p) => ('name' in p ? [p.name] : []));
  return {
    source,
    names,
    render(values) {
      let out = '';
      for (const part of parts) {
        if ('text' in part) out += part.text;
        else out += write(valueOf(values, part.name), context, part.inString);
      }
      return out;
    },
  };
}

function valueOf(values: TemplateValues, name: PlaceholderName): string | number {
  const value = values[name];
  if (value === undefined) throw new Error(`no value for {${name}} here`);
  return value;
}

function write(value: string | number, context: TemplateContext, inString: boolean): string {
  if (context === 'url') return encodeURIComponent(String(value));
  if (context === 'json') {
    if (inString) return JSON.stringify(String(value)).slice(1, -1);
    return typeof value === 'number' ? String(value) : JSON.stringify(value);
  }
  return String(value);
}

/** Whether offset `at` of a JSON text lies between the quotes of a string literal. */
function insideJsonString(text: string, at: number): boolean {
  let inside = false;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (inside && c === '\\') i++;
    else if (c === '"') inside = !inside;
  }
  return inside;
}
