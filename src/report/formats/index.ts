/** Every comparison format, one file each; a new format is a file and a line here. */
import { html } from './html.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import { table } from './table.js';
import type { Exporter } from './types.js';

export const EXPORTERS = { table, markdown, json, html } satisfies Record<string, Exporter>;
export type Format = keyof typeof EXPORTERS;
export const FORMATS = Object.keys(EXPORTERS) as Format[];
export type { Comparison, Exporter } from './types.js';
