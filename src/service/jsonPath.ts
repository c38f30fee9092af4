/**
 * The JSON paths a target file may write: `data.accessToken`, `$.errorCode`, `$.items[0].id`
 * (dots between keys, [n] for an array element, an optional leading `$.`). Enough to reach one
 * field of a JSON answer or of a JSON value a probe reads; no filters or wildcards.
 */
import { z } from 'zod';

const PATH = /^(\$\.)?[\w-]+(\[\d+\])*(\.[\w-]+(\[\d+\])*)*$/;

export const JsonPathSchema = z.string().regex(PATH, 'a JSON path such as $.data.quantity or items[0].id');

/** The keys and indexes of a path, in order. */
export function pathSteps(path: string): Array<string | number> {
  return path
    .replace(/^\$\./, '')
    .split('.')
    .flatMap((part) => {
      const [key, ...indexes] = part.split('[');
      return [key!, ...indexes.map((i) => Number(i.slice(0, -1)))];
    });
}

/** The value at `path` in `document` (already parsed), or undefined where there is none. */
export function atPath(document: unknown, path: string): unknown {
  return pathSteps(path).reduce<unknown>((node, step) => {
    if (typeof step === 'number') return Array.isArray(node) ? node[step] : undefined;
    return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[step] : undefined;
  }, document);
}

/** The value at `path` in JSON text; undefined when the text is not JSON or has nothing there. */
export function atPathOfText(text: string, path: string): unknown {
  try {
    return atPath(JSON.parse(text), path);
  } catch {
    return undefined;
  }
}
