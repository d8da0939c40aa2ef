// Type-checks schema.org JSON-LD against schema-dts (Google's TypeScript typings of the schema.org vocabulary) with the
// TypeScript compiler: an unknown property, a value of the wrong type or an unknown enumeration member is an error.
// Usage: node check-schema-org.mjs <file.json> <Type>  → prints {"errors": [...]} as JSON.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const [jsonFile, type] = process.argv.slice(2);
if (!/^[A-Z][A-Za-z]+$/.test(type ?? '')) throw new Error('usage: check-schema-org.mjs <file.json> <Type>');
const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
const here = path.dirname(fileURLToPath(import.meta.url));
// Beside tests/node_modules, so that "schema-dts" resolves.
const source = path.join(here, `.schema-check-${process.pid}.ts`);
fs.writeFileSync(source,
  `import type { ${type}, WithContext } from "schema-dts";\n` +
  `const checked: WithContext<${type}> = ${JSON.stringify(json, null, 2)};\nexport default checked;\n`);
try {
  const program = ts.createProgram([source], {
    strict: true, noEmit: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022, skipLibCheck: true,
  });
  const errors = ts.getPreEmitDiagnostics(program).map(d => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `line ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  process.stdout.write(JSON.stringify({ errors }));
} finally {
  fs.rmSync(source, { force: true });
}
