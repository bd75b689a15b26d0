// Verifies one webhook delivery with the `standardwebhooks` package (Standard Webhooks' own
// verifier, which nobody here wrote), as a consumer would: the secret in its whsec_ form, the
// request's webhook-id, webhook-timestamp and webhook-signature headers, and the exact body bytes.
// Usage: node verify_standardwebhooks.js SECRET HEADERS.json BODY_FILE. Exits 0 when the delivery
// verifies, 1 with the verifier's message when it does not.
const fs = require('fs');
const { Webhook } = require('standardwebhooks');

function main() {
  const [secret, headersFile, bodyFile] = process.argv.slice(2);
  if (!secret || !headersFile || !bodyFile) {
    throw new Error('usage: node verify_standardwebhooks.js SECRET HEADERS.json BODY_FILE');
  }
  const headers = JSON.parse(fs.readFileSync(headersFile, 'utf8'));
  const body = fs.readFileSync(bodyFile);
  const payload = new Webhook(secret).verify(body, headers);
  console.log(`verified ${headers['webhook-id']}: ${JSON.stringify(payload).length} bytes of JSON`);
}

try {
  main();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
