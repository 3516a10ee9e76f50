package credential

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/mr-tron/base58"
	"github.com/piprate/json-gold/ld"
)

// Proof and cryptosuite names of the W3C Data Integrity EdDSA suite used here.
const (
	// ProofTypeDataIntegrity is the proof type of W3C Data Integrity proofs.
	ProofTypeDataIntegrity = "DataIntegrityProof"
	// CryptosuiteEdDSARDFC2022 is Ed25519 over RDF Dataset Canonicalization.
	CryptosuiteEdDSARDFC2022 = "eddsa-rdfc-2022"
	// ProofPurposeAssertion is the proof purpose of an issued credential.
	ProofPurposeAssertion = "assertionMethod"
)

// Errors returned by VerifyProof (wrapped, test with errors.Is); each names
// one thing a verification page can explain to a person.
var (
	// ErrNoProof: the document carries no proof.
	ErrNoProof = errors.New("credential: the document has no proof")
	// ErrUnsupportedCryptosuite: the proof is not a DataIntegrityProof with eddsa-rdfc-2022.
	ErrUnsupportedCryptosuite = errors.New("credential: unsupported proof type or cryptosuite")
	// ErrBadProof: a proof field (proofValue, created, purpose, verification method) is malformed.
	ErrBadProof = errors.New("credential: malformed proof")
	// ErrUnknownKey: the verification method could not be resolved to an Ed25519 key.
	ErrUnknownKey = errors.New("credential: unknown verification method")
	// ErrSignatureMismatch: the signature does not match the document and key.
	ErrSignatureMismatch = errors.New("credential: signature does not match")
	// ErrExpansion: JSON-LD expansion or canonicalisation failed (undefined term,
	// context that is not bundled, invalid JSON-LD).
	ErrExpansion = errors.New("credential: JSON-LD processing failed")
)

// xsdDateTime is the layout of proof.created: XML Schema dateTime, seconds, UTC.
const xsdDateTime = "2006-01-02T15:04:05Z"

// Canonicalize returns the RDF Dataset Canonicalization (RDFC-1.0, which
// is URDNA2015) of doc as N-Quads, resolving contexts only through loader
// (nil: the bundled contexts). Expansion runs in safe mode: a property that
// does not expand to an IRI is an error, never silently dropped (otherwise
// it would be outside the signature). Errors wrap ErrExpansion.
func Canonicalize(doc map[string]any, loader ld.DocumentLoader) (string, error) {
	if loader == nil {
		loader = defaultLoader
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = loader
	opts.SafeMode = true
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.Format = ""
	// json-gold's Normalize does not pass SafeMode on to its own ToRDF step,
	// so the dataset is built here and canonicalised separately.
	dataset, err := toRDF(doc, loader, opts)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrExpansion, err)
	}
	return normalize(dataset, opts)
}

// canonicalizeExpanded is Canonicalize of a document already expanded
// (by ExpandSafe): the same RDF dataset and canonical form, without
// expanding the document a second time.
func canonicalizeExpanded(expanded []any) (string, error) {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = defaultLoader
	opts.SafeMode = true
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.Format = ""
	dataset, err := ld.NewJsonLdApi().ToRDF(expanded, opts)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrExpansion, err)
	}
	return normalize(dataset, opts)
}

// normalize is the RDFC-1.0 canonical form of dataset as N-Quads.
func normalize(dataset *ld.RDFDataset, opts *ld.JsonLdOptions) (string, error) {
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	out, err := ld.NewJsonLdApi().Normalize(dataset, opts)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrExpansion, err)
	}
	s, ok := out.(string)
	if !ok {
		return "", fmt.Errorf("%w: unexpected canonical form %T", ErrExpansion, out)
	}
	return s, nil
}

// parsedContexts caches the active context made from a top-level @context
// that is a list of bundled context URLs (key: the URLs joined by
// newlines). Parsing the bundled contexts is a third of the work of a
// canonicalisation; a parsed *ld.Context is only read during expansion
// (scoped contexts are applied to copies), so it is safe to share.
var parsedContexts sync.Map

// bundledContextKey returns the cache key of a top-level @context made only
// of bundled context URLs, and false for anything else.
func bundledContextKey(ctx any) (string, bool) {
	var urls []string
	switch c := ctx.(type) {
	case string:
		urls = []string{c}
	case []any:
		for _, v := range c {
			u, ok := v.(string)
			if !ok {
				return "", false
			}
			urls = append(urls, u)
		}
	default:
		return "", false
	}
	for _, u := range urls {
		if _, ok := bundledFiles[u]; !ok {
			return "", false
		}
	}
	return strings.Join(urls, "\n"), len(urls) > 0
}

// toRDF expands doc (JSON-LD expansion algorithm, safe mode) and converts
// it to an RDF dataset. When doc's @context lists only bundled contexts the
// parsed active context comes from parsedContexts (see expandBundled);
// otherwise json-gold's processor does everything through loader.
func toRDF(doc map[string]any, loader ld.DocumentLoader, opts *ld.JsonLdOptions) (*ld.RDFDataset, error) {
	key, cacheable := bundledContextKey(doc["@context"])
	if !cacheable {
		ds, err := ld.NewJsonLdProcessor().ToRDF(doc, opts)
		if err != nil {
			return nil, err
		}
		dataset, ok := ds.(*ld.RDFDataset)
		if !ok {
			return nil, fmt.Errorf("unexpected dataset %T", ds)
		}
		return dataset, nil
	}
	list, err := expandBundled(key, doc, opts)
	if err != nil {
		return nil, err
	}
	return ld.NewJsonLdApi().ToRDF(list, opts)
}

// expandBundled runs the JSON-LD expansion algorithm on doc, whose
// top-level @context (cache key: key, from bundledContextKey) lists only
// bundled contexts, starting from the parsed active context in
// parsedContexts. It gives what json-gold's processor Expand gives.
func expandBundled(key string, doc map[string]any, opts *ld.JsonLdOptions) ([]any, error) {
	var active *ld.Context
	if c, ok := parsedContexts.Load(key); ok {
		active = c.(*ld.Context)
	} else {
		// Only bundled URLs: the default loader suffices, whatever loader was given.
		popts := opts.Copy()
		popts.DocumentLoader = defaultLoader
		c, err := ld.NewContext(nil, popts).Parse(doc["@context"])
		if err != nil {
			return nil, err
		}
		parsedContexts.Store(key, c)
		active = c
	}
	body := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "@context" {
			body[k] = v
		}
	}
	expanded, err := ld.NewJsonLdApi().Expand(active, "", body, opts, false, nil)
	if err != nil {
		return nil, err
	}
	// The final steps of the expansion algorithm, as json-gold's processor does them.
	m, isMap := expanded.(map[string]any)
	if isMap && len(m) == 0 {
		expanded = nil
	}
	if g, hasGraph := m["@graph"]; isMap && hasGraph && len(m) == 1 {
		expanded = g
	} else if expanded == nil {
		expanded = []any{}
	}
	list, isList := expanded.([]any)
	if !isList {
		list = []any{expanded}
	}
	return list, nil
}

// ExpandSafe expands doc in JSON-LD safe mode with the bundled contexts
// plus extra documents. It is the check 1EdTech runs: no undefined terms.
// A document whose @context lists only bundled contexts starts from their
// cached parsed form, as canonicalisation does.
func ExpandSafe(doc map[string]any, extra map[string]any) ([]any, error) {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = NewLoader(extra)
	opts.SafeMode = true
	opts.ProcessingMode = ld.JsonLd_1_1
	var out []any
	var err error
	if key, cacheable := bundledContextKey(doc["@context"]); cacheable {
		out, err = expandBundled(key, doc, opts)
	} else {
		out, err = ld.NewJsonLdProcessor().Expand(doc, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrExpansion, err)
	}
	return out, nil
}

// hashData returns SHA-256(canonical proof config) ‖ SHA-256(canonical
// document), the data the eddsa-rdfc-2022 signature covers.
func hashData(unsecured map[string]any, proofConfig map[string]any) ([]byte, error) {
	return hashDataExpanded(unsecured, nil, proofConfig)
}

// hashDataExpanded is hashData with the unsecured document's expansion
// given (nil: expand it here).
func hashDataExpanded(unsecured map[string]any, expanded []any, proofConfig map[string]any) ([]byte, error) {
	canonConfig, err := Canonicalize(proofConfig, nil)
	if err != nil {
		return nil, err
	}
	var canonDoc string
	if expanded != nil {
		canonDoc, err = canonicalizeExpanded(expanded)
	} else {
		canonDoc, err = Canonicalize(unsecured, nil)
	}
	if err != nil {
		return nil, err
	}
	hc := sha256.Sum256([]byte(canonConfig))
	hd := sha256.Sum256([]byte(canonDoc))
	return append(hc[:], hd[:]...), nil
}

// withoutProof returns a shallow copy of doc without its "proof" member.
func withoutProof(doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "proof" {
			out[k] = v
		}
	}
	return out
}

// Sign returns a copy of doc with a DataIntegrityProof (eddsa-rdfc-2022)
// made with priv, following W3C "Data Integrity EdDSA Cryptosuites v1.0"
// §3.3: the proof options (with the document's @context) and the document
// are canonicalised with RDFC-1.0, each hashed with SHA-256, and
// hash(proof options) ‖ hash(document) is signed with Ed25519. The proof is
// added as a list of one. doc must not already carry a proof; it is not
// modified.
func Sign(doc map[string]any, priv ed25519.PrivateKey, verificationMethod string, created time.Time) (map[string]any, error) {
	if _, has := doc["proof"]; has {
		return nil, errors.New("credential: Sign: the document already has a proof")
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("credential: Sign: not an Ed25519 private key")
	}
	if verificationMethod == "" {
		return nil, errors.New("credential: Sign: empty verification method")
	}
	ctx, ok := doc["@context"]
	if !ok {
		return nil, errors.New("credential: Sign: the document has no @context")
	}
	proof := map[string]any{
		"type":               ProofTypeDataIntegrity,
		"cryptosuite":        CryptosuiteEdDSARDFC2022,
		"created":            created.UTC().Format(xsdDateTime),
		"verificationMethod": verificationMethod,
		"proofPurpose":       ProofPurposeAssertion,
	}
	config := make(map[string]any, len(proof)+1)
	for k, v := range proof {
		config[k] = v
	}
	config["@context"] = ctx
	data, err := hashData(doc, config)
	if err != nil {
		return nil, err
	}
	proof["proofValue"] = "z" + base58.Encode(ed25519.Sign(priv, data))
	out := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		out[k] = v
	}
	// A list of one proof: VC Data Model 2.0 allows an object or a list,
	// and 1EdTech's Open Badges 3.0 JSON Schema (which 1EdTech's validator
	// and wallets' schema checks use) accepts only the list.
	out["proof"] = []any{proof}
	return out, nil
}

// ProofInfo describes a verified proof.
type ProofInfo struct {
	// VerificationMethod is the key URL that signed.
	VerificationMethod string
	// Created is when the proof was made.
	Created time.Time
}

// VerifyProof checks the single eddsa-rdfc-2022 DataIntegrityProof on doc.
// resolve maps the proof's verificationMethod to the Ed25519 public key;
// it is the caller's job (resolve) to accept only verification methods the
// issuer lists under assertionMethod. Errors wrap the Err* values above.
func VerifyProof(doc map[string]any, resolve func(vm string) (ed25519.PublicKey, error)) error {
	_, err := VerifyProofInfo(doc, resolve)
	return err
}

// VerifyProofInfo is VerifyProof that also reports what was verified.
func VerifyProofInfo(doc map[string]any, resolve func(vm string) (ed25519.PublicKey, error)) (*ProofInfo, error) {
	return verifyProofInfo(doc, resolve, nil)
}

// verifyProofInfo is VerifyProofInfo; expanded, when not nil, is
// ExpandSafe(withoutProof(doc), nil), already computed by the caller, so
// the document is not expanded twice.
func verifyProofInfo(doc map[string]any, resolve func(vm string) (ed25519.PublicKey, error), expanded []any) (*ProofInfo, error) {
	raw, ok := doc["proof"]
	if !ok || raw == nil {
		return nil, ErrNoProof
	}
	if list, isList := raw.([]any); isList {
		if len(list) != 1 {
			return nil, fmt.Errorf("%w: expected exactly one proof, found %d", ErrUnsupportedCryptosuite, len(list))
		}
		raw = list[0]
	}
	proof, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: proof is not an object", ErrBadProof)
	}
	if proof["type"] != ProofTypeDataIntegrity || proof["cryptosuite"] != CryptosuiteEdDSARDFC2022 {
		return nil, fmt.Errorf("%w: %v / %v", ErrUnsupportedCryptosuite, proof["type"], proof["cryptosuite"])
	}
	if proof["proofPurpose"] != ProofPurposeAssertion {
		return nil, fmt.Errorf("%w: proofPurpose %v", ErrBadProof, proof["proofPurpose"])
	}
	vm, _ := proof["verificationMethod"].(string)
	if vm == "" {
		return nil, fmt.Errorf("%w: missing verificationMethod", ErrBadProof)
	}
	info := &ProofInfo{VerificationMethod: vm}
	if c, has := proof["created"]; has {
		s, _ := c.(string)
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("%w: created %q", ErrBadProof, s)
		}
		info.Created = t
	}
	pv, _ := proof["proofValue"].(string)
	sig, err := DecodeMultibaseBase58(pv)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: proofValue is not a base58btc Ed25519 signature", ErrBadProof)
	}
	ctx, ok := doc["@context"]
	if !ok {
		return nil, fmt.Errorf("%w: the document has no @context", ErrExpansion)
	}
	if pc, has := proof["@context"]; has && !sameJSON(pc, ctx) {
		return nil, fmt.Errorf("%w: proof @context differs from the document's", ErrBadProof)
	}
	config := make(map[string]any, len(proof))
	for k, v := range proof {
		if k != "proofValue" {
			config[k] = v
		}
	}
	config["@context"] = ctx
	pub, err := resolve(vm)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnknownKey, vm, err)
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: %s is not an Ed25519 key", ErrUnknownKey, vm)
	}
	data, err := hashDataExpanded(withoutProof(doc), expanded, config)
	if err != nil {
		return nil, err
	}
	if !ed25519.Verify(pub, data, sig) {
		return nil, ErrSignatureMismatch
	}
	return info, nil
}

// sameJSON reports whether two decoded JSON values are equal (used for
// @context, which is a string or a list of strings/objects).
func sameJSON(a, b any) bool {
	return reflect.DeepEqual(a, b)
}

// multicodecEd25519Pub is the multicodec prefix of an Ed25519 public key (0xed, varint).
var multicodecEd25519Pub = []byte{0xed, 0x01}

// EncodePublicKeyMultibase returns the Multikey publicKeyMultibase of pub:
// "z" + base58btc(0xed 0x01 ‖ pub).
func EncodePublicKeyMultibase(pub ed25519.PublicKey) string {
	b := make([]byte, 0, len(multicodecEd25519Pub)+len(pub))
	b = append(b, multicodecEd25519Pub...)
	b = append(b, pub...)
	return "z" + base58.Encode(b)
}

// DecodePublicKeyMultibase parses a Multikey publicKeyMultibase made by
// EncodePublicKeyMultibase and returns the Ed25519 public key.
func DecodePublicKeyMultibase(s string) (ed25519.PublicKey, error) {
	b, err := DecodeMultibaseBase58(s)
	if err != nil {
		return nil, err
	}
	if len(b) != len(multicodecEd25519Pub)+ed25519.PublicKeySize || b[0] != 0xed || b[1] != 0x01 {
		return nil, errors.New("credential: publicKeyMultibase is not an Ed25519 Multikey")
	}
	return ed25519.PublicKey(b[2:]), nil
}

// DecodeMultibaseBase58 decodes a multibase string in base58btc ("z" prefix).
func DecodeMultibaseBase58(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "z")
	if !ok || rest == "" {
		return nil, errors.New("credential: not a base58btc multibase value")
	}
	b, err := base58.Decode(rest)
	if err != nil {
		return nil, fmt.Errorf("credential: base58btc: %w", err)
	}
	return b, nil
}
