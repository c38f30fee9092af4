import { Argument, type Command } from 'commander';
import { FILE_FORMATS, jsonSchemaOf, type FileFormat } from '../fileSchemas.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description("print a file format's JSON Schema, for editors (yaml-language-server, VS Code's json.schemas)")
    .addArgument(new Argument('<format>', 'which file').choices(FILE_FORMATS))
    .action((format: FileFormat) => {
      process.stdout.write(jsonSchemaOf(format));
    });
}
