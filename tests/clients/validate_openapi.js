// Validates an OpenAPI document with @apidevtools/swagger-parser (a validator nobody here wrote):
// the document against the OpenAPI 3.1 schema, and every $ref resolved.
// Usage: node validate_openapi.js FILE.json. Prints the number of paths and operations, exits 1
// with the validator's message when the document is invalid.
const SwaggerParser = require('@apidevtools/swagger-parser');

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node validate_openapi.js FILE.json');
  const api = await SwaggerParser.validate(file);
  let operations = 0;
  for (const item of Object.values(api.paths)) operations += Object.keys(item).length;
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths, ${operations} operations`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
