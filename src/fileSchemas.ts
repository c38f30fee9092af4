/**
 * The JSON Schema of each file format couponbench reads, generated from the zod schemas that
 * check the files, so an editor completes and checks a target or scenario file as it is typed
 * (the yaml-language-server line, or a JSON file's "$schema"). What zod cannot say in JSON Schema
 * (checks across fields, such as "quantity or capacity") is still checked when the file is read.
 */
import { z } from 'zod';
import { ScenarioFileSchema } from './config.js';
import { TargetFileSchema } from './service/schema.js';

export const FILE_SCHEMAS = {
  target: { schema: TargetFileSchema, title: 'couponbench target file', description: 'Your own coupon service, described well enough to load and audit it (docs/your-service.md).' },
  scenario: { schema: ScenarioFileSchema, title: 'couponbench scenario file', description: 'A load shape in k6 terms: stages, or an arrival-rate executor (docs/commands.md).' },
} as const;
export type FileFormat = keyof typeof FILE_SCHEMAS;
export const FILE_FORMATS = Object.keys(FILE_SCHEMAS) as FileFormat[];

/** Where the committed copy lives (schemas/<format>.schema.json), for the examples' schema lines. */
export const schemaFileName = (format: FileFormat) => `${format}.schema.json`;

export function jsonSchemaOf(format: FileFormat): string {
  const { schema, title, description } = FILE_SCHEMAS[format];
  // What a user writes (defaults optional), not what the checked file becomes.
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...generated, title, description }, null, 2)}\n`;
}
