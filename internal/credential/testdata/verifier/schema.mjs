// Validates credentials against 1EdTech's Open Badges 3.0 JSON Schema
// (../ob-schema/ob_v3p0_achievementcredential_schema.json, JSON Schema
// 2019-09) with ajv, as 1EdTech's validator and the DCC verifier's schema
// check do. Offline: the schema is read from disk.
//
//   node schema.mjs cred1.json [cred2.json …]
//
// prints one JSON array, one {"file", "valid", "errors"} per credential,
// and exits 0 only when every credential is valid (1: some invalid; 2: bad
// usage).
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const files = process.argv.slice(2);
if(files.length === 0) {
  console.error('usage: node schema.mjs cred.json [more.json …]');
  process.exit(2);
}
const schemaPath = fileURLToPath(new URL(
  '../ob-schema/ob_v3p0_achievementcredential_schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
// strict: false — the schema uses keywords ajv's strict mode would flag
// ("$comment" placement, unknown formats are not among them).
const ajv = new Ajv2019({strict: false, allErrors: true});
addFormats(ajv);
const validate = ajv.compile(schema);

const results = files.map(file => {
  const cred = JSON.parse(readFileSync(file, 'utf8'));
  const valid = validate(cred);
  return {
    file,
    valid,
    errors: valid ? [] : validate.errors.map(
      e => `${e.instancePath || '/'} ${e.message}` +
        (e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''))
  };
});
console.log(JSON.stringify(results));
process.exit(results.every(r => r.valid) ? 0 : 1);
