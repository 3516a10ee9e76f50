package credential

import (
	"bytes"
	"embed"
	"fmt"
	"maps"

	"github.com/piprate/json-gold/ld"
)

// Context URLs of the JSON-LD contexts bundled in the binary.
const (
	// ContextCredentialsV2 is the W3C Verifiable Credentials Data Model 2.0 context.
	ContextCredentialsV2 = "https://www.w3.org/ns/credentials/v2"
	// ContextOpenBadges303 is the 1EdTech Open Badges 3.0.3 context.
	ContextOpenBadges303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	// ContextDataIntegrityV2 is the W3C Data Integrity v2 context.
	ContextDataIntegrityV2 = "https://w3id.org/security/data-integrity/v2"
	// ContextMultikeyV1 is the W3C Multikey v1 context (used by DID documents).
	ContextMultikeyV1 = "https://w3id.org/security/multikey/v1"
)

//go:embed contexts/*.jsonld contexts/*.json
var contextFS embed.FS

// bundledFiles maps each context URL to the embedded file served for it
// (sources and versions: README.md in this directory).
var bundledFiles = map[string]string{
	ContextCredentialsV2:   "contexts/credentials-v2.jsonld",
	ContextOpenBadges303:   "contexts/ob-v3p0-context-3.0.3.json",
	ContextDataIntegrityV2: "contexts/data-integrity-v2.jsonld",
	ContextMultikeyV1:      "contexts/multikey-v1.jsonld",
}

// bundledDocs holds the parsed bundled contexts, parsed once at start-up.
var bundledDocs = func() map[string]any {
	docs := make(map[string]any, len(bundledFiles))
	for url, name := range bundledFiles {
		raw, err := contextFS.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("credential: bundled context %s: %v", name, err))
		}
		doc, err := ld.DocumentFromReader(bytes.NewReader(raw))
		if err != nil {
			panic(fmt.Sprintf("credential: bundled context %s: %v", name, err))
		}
		docs[url] = doc
	}
	return docs
}()

// BundledContext returns the exact bytes of a bundled JSON-LD context, and
// false when url is not one of the bundled contexts.
func BundledContext(url string) ([]byte, bool) {
	name, ok := bundledFiles[url]
	if !ok {
		return nil, false
	}
	raw, err := contextFS.ReadFile(name)
	if err != nil {
		return nil, false
	}
	return raw, true
}

// ErrDocumentNotAllowed is returned by the loader for any URL that is not a
// bundled context or an extra document given to NewLoader.
type ErrDocumentNotAllowed struct {
	// URL is the document the JSON-LD processor asked for.
	URL string
}

// Error implements error.
func (e *ErrDocumentNotAllowed) Error() string {
	return fmt.Sprintf("credential: JSON-LD document %q is not bundled; remote documents are never fetched", e.URL)
}

// Loader is a json-gold DocumentLoader that serves only the bundled
// contexts and the extra documents it was built with.
//
// SECURITY: JSON-LD processing of a credential submitted by anyone (the
// /verify page) must never fetch a URL named in it: that would let a
// visitor make the server issue requests (SSRF), make verification depend
// on another site being up and unchanged, and let a changed remote context
// silently change what a signed credential means. Every URL that is not
// bundled in the binary is refused with *ErrDocumentNotAllowed.
type Loader struct {
	docs map[string]any
}

// NewLoader returns a Loader serving the bundled contexts plus extra, a map
// from URL to an already parsed JSON document (for example the platform's
// DID document). Extra documents cannot replace a bundled context.
func NewLoader(extra map[string]any) *Loader {
	docs := make(map[string]any, len(bundledDocs)+len(extra))
	maps.Copy(docs, extra)
	maps.Copy(docs, bundledDocs)
	return &Loader{docs: docs}
}

// defaultLoader serves the bundled contexts only.
var defaultLoader = NewLoader(nil)

// LoadDocument implements ld.DocumentLoader. It never touches the network.
func (l *Loader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	doc, ok := l.docs[u]
	if !ok {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, &ErrDocumentNotAllowed{URL: u})
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}
