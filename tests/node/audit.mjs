// The graphql-http audit (its serverAudits) against the server at argv[2]: one JSON line per
// audit that is not "ok", then a summary line; exit code 1 when any audit warns or fails.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const results = await Promise.all(serverAudits({ url }).map((audit) => audit.fn()));
const counts = { ok: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    let response = null;
    if (result.response) {
      const body = await result.response.text().catch(() => '(read by the audit)');
      response = { status: result.response.status, body };
    }
    console.log(JSON.stringify({ id: result.id, name: result.name, status: result.status,
      reason: result.reason, response }));
  }
}
console.log(JSON.stringify({ summary: counts, audits: results.length }));
process.exit(counts.warn + counts.error === 0 ? 0 : 1);
