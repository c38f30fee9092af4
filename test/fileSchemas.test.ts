/**
 * `couponbench schema target|scenario` (issue 18, part 5): JSON Schemas generated from the zod
 * schemas that check the files; the committed copies under schemas/ are what the command prints
 * now, and the files we ship point editors at them.
 */
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_FORMATS, FILE_SCHEMAS, schemaFileName } from '../src/fileSchemas.js';
import { loadTarget } from '../src/service/file.js';
import { loadScenario } from '../src/config.js';
import { packageRoot } from '../src/paths.js';
import { BIN } from './helpers.js';

const root = packageRoot();

describe('file schemas for editors', () => {
  it.each(FILE_FORMATS)('`couponbench schema %s` prints the committed schemas/ file, with every field the file takes', async (format) => {
    const r = await execa('node', [BIN, 'schema', format]);
    expect(r.stdout + '\n').toBe(readFileSync(join(root, 'schemas', schemaFileName(format)), 'utf8'));
    const schema = JSON.parse(r.stdout) as { $schema: string; type: string; properties: Record<string, unknown>; additionalProperties: boolean; required?: string[] };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(FILE_SCHEMAS[format].schema.shape).sort());
    expect(schema.additionalProperties).toBe(false); // a misspelt key is flagged as it is typed
  });

  it('the target schema says what a target file must have and what its fields may hold', async () => {
    const schema = JSON.parse((await execa('node', [BIN, 'schema', 'target'])).stdout);
    expect(schema.required.sort()).toEqual(['audit', 'name', 'outcomes', 'request']);
    expect(schema.properties.promise.enum).toEqual(['none', 'single-instance', 'across-instances']);
    expect(schema.properties.outcomes.items.properties.outcome.enum).toContain('already_issued');
    expect(JSON.stringify(schema.properties.settle)).toMatch(/a duration: \\"500ms\\"/);
  });

  it('the shipped files point editors at the schemas, and still load', async () => {
    const example = join(root, 'examples', 'targets', 'coupon-api.yaml');
    expect(readFileSync(example, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schemas/target.schema.json');
    await loadTarget(example);
    for (const file of readdirSync(join(root, 'scenarios'))) {
      expect(JSON.parse(readFileSync(join(root, 'scenarios', file), 'utf8')).$schema, file).toBe('../schemas/scenario.schema.json');
      await loadScenario(file.replace(/\.json$/, ''));
    }
  });
});
