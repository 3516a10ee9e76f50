package credential

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DIDWeb returns the did:web identifier of the platform reached at baseURL
// (https://www.w3.org/TR/did-spec-registries/#web, did:web method): the host,
// its port percent-encoded as "%3A", then each path segment after a ':'.
// The DID document of "did:web:host" is served at
// https://host/.well-known/did.json; with a path, at https://host/path/did.json.
func DIDWeb(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("did:web: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("did:web: %q is not a plain http(s) base URL", baseURL)
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		return "", errors.New("did:web: IPv6 literal hosts cannot be expressed")
	}
	id := "did:web:" + host
	if p := u.Port(); p != "" {
		id += "%3A" + p
	}
	for _, seg := range strings.Split(strings.Trim(u.EscapedPath(), "/"), "/") {
		if seg == "" {
			continue
		}
		if strings.Contains(seg, ":") {
			seg = strings.ReplaceAll(seg, ":", "%3A")
		}
		id += ":" + seg
	}
	return id, nil
}

// VerificationMethodID is the DID URL of key within did's document.
func VerificationMethodID(did string, key Key) string { return did + "#" + key.ID }

// DIDDocument returns the DID document of did listing every key of the
// keyring, active and retired, as Multikey verification methods usable for
// assertions (signing credentials). Retirement means only that a key no
// longer signs new credentials: its public key stays here for ever, so every
// credential it signed keeps verifying. The document carries no retirement
// mark because a DID document can only hold terms its contexts define, and
// the two the multikey context does define would be wrong: "revoked" makes
// verifiers (jsonld-signatures among them) reject every proof by the key, and
// "expires" every proof checked after that date.
func DIDDocument(did string, keys []Key) map[string]any {
	methods := make([]any, 0, len(keys))
	refs := make([]any, 0, len(keys))
	for _, k := range keys {
		id := VerificationMethodID(did, k)
		methods = append(methods, map[string]any{
			"id":                 id,
			"type":               "Multikey",
			"controller":         did,
			"publicKeyMultibase": EncodePublicKeyMultibase(k.Public),
		})
		refs = append(refs, id)
	}
	return map[string]any{
		"@context":           []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":                 did,
		"verificationMethod": methods,
		"assertionMethod":    refs,
	}
}
