package credential

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Credentials of other issuers (partner issuers, docs/credentials.md
// "Partner issuers"): the same checks as our own, against a DID document
// the caller stored, with the status lists the caller knows. Nothing is
// ever fetched here.

// MaxForeignObjects bounds the JSON objects of a foreign credential.
// SECURITY: RDF canonicalisation of a crafted graph (many blank nodes
// linked to each other) takes time exponential in its size; our own
// credentials are gated by matching the stored copy (matchesIssued), a
// partner's cannot be, so its size in objects is bounded instead (an
// Open Badges credential has about 10; 1EdTech's examples under 40).
const MaxForeignObjects = 64

// DIDKeyDocument derives the DID document of an Ed25519 did:key
// ("did:key:z6Mk…", the W3C did:key method) locally: one Multikey
// verification method, listed for assertionMethod and authentication.
func DIDKeyDocument(did string) (map[string]any, error) {
	mb, ok := strings.CutPrefix(did, "did:key:")
	if !ok || strings.ContainsAny(mb, ":#/?") {
		return nil, errors.New("credential: not a did:key")
	}
	if _, err := DecodePublicKeyMultibase(mb); err != nil {
		return nil, fmt.Errorf("credential: did:key is not an Ed25519 key: %w", err)
	}
	vm := did + "#" + mb
	return map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":       did,
		"verificationMethod": []any{map[string]any{
			"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": mb,
		}},
		"assertionMethod": []any{vm},
		"authentication":  []any{vm},
	}, nil
}

// DIDWebURL is where a did:web DID document lives (W3C did:web method
// §3.2.1): did:web:example.jp → https://example.jp/.well-known/did.json,
// did:web:example.jp:a:b → https://example.jp/a/b/did.json; a port is
// written %3A. With allowHTTP (development and tests only) a host of
// localhost or 127.0.0.1 is read over plain http.
func DIDWebURL(did string, allowHTTP bool) (string, error) {
	rest, ok := strings.CutPrefix(did, "did:web:")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#") {
		return "", errors.New("credential: not a did:web")
	}
	parts := strings.Split(rest, ":")
	host, err := url.PathUnescape(parts[0])
	if err != nil || host == "" || strings.ContainsAny(host, "@/ ") {
		return "", errors.New("credential: did:web host is not valid")
	}
	path := "/.well-known"
	if len(parts) > 1 {
		segs := make([]string, 0, len(parts)-1)
		for _, p := range parts[1:] {
			seg, err := url.PathUnescape(p)
			if err != nil || seg == "" || seg == "." || seg == ".." || strings.Contains(seg, "/") {
				return "", errors.New("credential: did:web path is not valid")
			}
			segs = append(segs, url.PathEscape(seg))
		}
		path = "/" + strings.Join(segs, "/")
	}
	scheme := "https"
	if h, _, _ := strings.Cut(host, ":"); allowHTTP && (h == "localhost" || h == "127.0.0.1") {
		scheme = "http"
	}
	return scheme + "://" + host + path + "/did.json", nil
}

// CheckDIDDocument checks that doc is the DID document of did and lists at
// least one Ed25519 key for assertionMethod. It returns how many it lists.
func CheckDIDDocument(did string, doc map[string]any) (int, error) {
	if id, _ := doc["id"].(string); id != did {
		return 0, fmt.Errorf("credential: the DID document is %q, not %q", id, did)
	}
	n := 0
	for _, vm := range assertionMethods(doc) {
		if _, err := resolveIn(doc, vm); err == nil {
			n++
		}
	}
	if n == 0 {
		return 0, errors.New("credential: the DID document lists no Ed25519 key for assertionMethod")
	}
	return n, nil
}

// assertionMethods lists the ids of the verification methods doc lists
// for assertionMethod (given by reference or embedded).
func assertionMethods(doc map[string]any) []string {
	did, _ := doc["id"].(string)
	list, _ := doc["assertionMethod"].([]any)
	var out []string
	for _, v := range list {
		switch t := v.(type) {
		case string:
			out = append(out, absoluteVM(did, t))
		case map[string]any:
			if id, _ := t["id"].(string); id != "" {
				out = append(out, absoluteVM(did, id))
			}
		}
	}
	return out
}

func absoluteVM(did, id string) string {
	if strings.HasPrefix(id, "#") {
		return did + id
	}
	return id
}

// resolveIn finds verification method vm in doc (in verificationMethod or
// embedded in assertionMethod) and returns its Ed25519 key. Multikey and
// Ed25519VerificationKey2020 (both publicKeyMultibase) are understood.
func resolveIn(doc map[string]any, vm string) (ed25519.PublicKey, error) {
	did, _ := doc["id"].(string)
	var cands []any
	if l, ok := doc["verificationMethod"].([]any); ok {
		cands = append(cands, l...)
	}
	if l, ok := doc["assertionMethod"].([]any); ok {
		cands = append(cands, l...)
	}
	for _, c := range cands {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		id, _ := m["id"].(string)
		if absoluteVM(did, id) != vm {
			continue
		}
		typ, _ := m["type"].(string)
		if typ != "Multikey" && typ != "Ed25519VerificationKey2020" {
			return nil, fmt.Errorf("verification method type %q", typ)
		}
		mb, _ := m["publicKeyMultibase"].(string)
		return DecodePublicKeyMultibase(mb)
	}
	return nil, errors.New("not in the DID document")
}

// ForeignIssuer is an issuer whose DID document the caller stored.
type ForeignIssuer struct {
	DID      string
	Document map[string]any
}

// resolveAssertion resolves vm to a key only when the issuer's document
// lists it for assertionMethod.
func (iss ForeignIssuer) resolveAssertion(vm string) (ed25519.PublicKey, error) {
	listed := false
	for _, m := range assertionMethods(iss.Document) {
		if m == vm {
			listed = true
		}
	}
	if !listed {
		return nil, errors.New("not listed for assertionMethod")
	}
	return resolveIn(iss.Document, vm)
}

// StatusEntry is a credential's BitstringStatusListEntry (revocation).
type StatusEntry struct {
	ListURL string
	Index   int
}

// ForeignStatus returns the status list credential (JSON) known for a
// list URL, or nil when none is known. It must not fetch.
type ForeignStatus func(listURL string) []byte

// VerifyForeign checks a credential presented as JSON that names iss as
// its issuer: format, bundled contexts, issuer (the proof's key is one the
// stored DID document lists for assertionMethod), the eddsa-rdfc-2022
// signature, the revocation status (from a status list credential that
// status returns, itself verified against the same DID document; when no
// list is known the check passes, saying so) and the dates at now. It
// returns the report and, when the JSON could be read, the document.
func VerifyForeign(raw []byte, iss ForeignIssuer, status ForeignStatus, now time.Time) (*Report, map[string]any) {
	r := &Report{Verdict: VerdictValid}
	defer r.skipRest()
	doc, ok := parsePresented(r, raw)
	if !ok {
		return r, nil
	}
	verifyForeignDoc(r, doc, iss, status, now)
	return r, doc
}

func verifyForeignDoc(r *Report, doc map[string]any, iss ForeignIssuer, status ForeignStatus, now time.Time) {
	describeDoc(r, doc)
	if !hasType(doc["type"], TypeVerifiableCredential) || !(hasType(doc["type"], TypeOpenBadgeCredential) || hasType(doc["type"], "AchievementCredential")) {
		r.add(CheckFormat, false, "credential.detail.not_openbadge")
		return
	}
	if countObjects(doc) > MaxForeignObjects {
		r.add(CheckFormat, false, "partner.detail.too_complex", MaxForeignObjects)
		return
	}
	r.add(CheckFormat, true, "credential.detail.format_ok")
	expanded, ok := checkContexts(r, doc)
	if !ok {
		return
	}
	issuer := issuerID(doc["issuer"])
	switch {
	case issuer == "":
		r.add(CheckIssuer, false, "credential.detail.issuer_missing")
		return
	case iss.Document == nil:
		r.add(CheckIssuer, false, "partner.detail.issuer_unregistered", issuer)
		return
	}
	if issuer != iss.DID {
		r.add(CheckIssuer, false, "credential.detail.issuer_other", issuer, iss.DID)
		return
	}
	vm := proofVerificationMethod(doc["proof"])
	if vm != "" {
		if signer, _, _ := strings.Cut(vm, "#"); signer != issuer {
			r.add(CheckIssuer, false, "credential.detail.signer_not_issuer", signer, issuer)
			return
		}
		if _, err := iss.resolveAssertion(vm); err != nil {
			r.add(CheckIssuer, false, "credential.detail.key_not_listed", vm, iss.DID)
			return
		}
	}
	r.add(CheckIssuer, true, "partner.detail.issuer_registered", iss.DID)
	if _, hasProof := doc["proof"]; !hasProof {
		r.add(CheckSignature, false, "credential.detail.no_proof")
		return
	}
	info, err := verifyProofInfo(doc, iss.resolveAssertion, expanded)
	if err != nil {
		addSignatureError(r, err)
		return
	}
	r.KeyID = info.VerificationMethod
	r.add(CheckSignature, true, "credential.detail.signature_ok", info.VerificationMethod)
	if !checkForeignStatus(r, doc, iss, status, now) {
		return
	}
	checkDates(r, now)
}

// countObjects counts the JSON objects in v.
func countObjects(v any) int {
	switch t := v.(type) {
	case map[string]any:
		n := 1
		for _, x := range t {
			n += countObjects(x)
		}
		return n
	case []any:
		n := 0
		for _, x := range t {
			n += countObjects(x)
		}
		return n
	}
	return 0
}

// ForeignStatusEntry reads doc's revocation status entry; ok is false when
// it has none, err when it has one that is not a BitstringStatusListEntry
// for revocation.
func ForeignStatusEntry(doc map[string]any) (StatusEntry, bool, error) {
	raw, has := doc["credentialStatus"]
	if !has {
		return StatusEntry{}, false, nil
	}
	st, _ := raw.(map[string]any)
	listURL, _ := st["statusListCredential"].(string)
	idxText, _ := st["statusListIndex"].(string)
	idx, err := strconv.Atoi(idxText)
	if st == nil || st["type"] != TypeBitstringStatusListEntry || st["statusPurpose"] != StatusPurposeRevocation ||
		err != nil || idx < 0 || listURL == "" {
		return StatusEntry{}, true, errors.New("credential: not a revocation BitstringStatusListEntry")
	}
	return StatusEntry{ListURL: listURL, Index: idx}, true, nil
}

func checkForeignStatus(r *Report, doc map[string]any, iss ForeignIssuer, status ForeignStatus, now time.Time) bool {
	entry, has, err := ForeignStatusEntry(doc)
	switch {
	case err != nil:
		r.add(CheckStatus, false, "partner.detail.status_entry_bad")
		return false
	case !has:
		r.add(CheckStatus, true, "partner.detail.status_none")
		return true
	}
	var list []byte
	if status != nil {
		list = status(entry.ListURL)
	}
	if list == nil {
		r.add(CheckStatus, true, "partner.detail.status_unknown", entry.ListURL)
		return true
	}
	revoked, err := ForeignRevoked(list, iss, entry, now)
	if err != nil {
		r.add(CheckStatus, false, "partner.detail.status_list_bad", entry.ListURL, shortErr(err))
		return false
	}
	if revoked {
		r.add(CheckStatus, true, "partner.detail.revoked", entry.ListURL)
		r.Verdict = VerdictRevoked
		return true
	}
	r.add(CheckStatus, true, "credential.detail.status_ok", entry.ListURL, entry.Index)
	return true
}

// VerifyForeignStatusList checks a status list credential (JSON) of iss:
// bundled contexts, issued by iss, signed with a key its DID document lists,
// a BitstringStatusList for revocation, and returns its URL (id) and list.
func VerifyForeignStatusList(raw []byte, iss ForeignIssuer) (string, *StatusList, error) {
	if len(raw) > MaxVerifyBytes {
		return "", nil, errors.New("status list: too large")
	}
	if err := checkDuplicateKeys(bytes.TrimSpace(raw)); err != nil {
		return "", nil, fmt.Errorf("status list: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil || doc == nil {
		return "", nil, errors.New("status list: not a JSON object")
	}
	if !hasType(doc["type"], "BitstringStatusListCredential") {
		return "", nil, errors.New("status list: not a BitstringStatusListCredential")
	}
	if countObjects(doc) > MaxForeignObjects {
		return "", nil, errors.New("status list: too many objects")
	}
	r := &Report{Verdict: VerdictValid}
	expanded, ok := checkContexts(r, doc)
	if !ok {
		return "", nil, errors.New("status list: contexts not bundled or terms undefined")
	}
	if issuerID(doc["issuer"]) != iss.DID {
		return "", nil, errors.New("status list: issued by another DID")
	}
	if _, err := verifyProofInfo(doc, iss.resolveAssertion, expanded); err != nil {
		return "", nil, fmt.Errorf("status list: %w", err)
	}
	id, _ := doc["id"].(string)
	sub, _ := doc["credentialSubject"].(map[string]any)
	if sub == nil || sub["statusPurpose"] != StatusPurposeRevocation {
		return "", nil, errors.New("status list: not for revocation")
	}
	enc, _ := sub["encodedList"].(string)
	l, err := DecodeStatusList(enc)
	if err != nil {
		return "", nil, err
	}
	return id, l, nil
}

// ForeignRevoked reports whether entry is revoked in the status list
// credential raw (verified with VerifyForeignStatusList; its id must be
// the entry's list URL).
func ForeignRevoked(raw []byte, iss ForeignIssuer, entry StatusEntry, _ time.Time) (bool, error) {
	id, l, err := VerifyForeignStatusList(raw, iss)
	if err != nil {
		return false, err
	}
	if id != entry.ListURL {
		return false, fmt.Errorf("status list: it is %s, the credential names %s", id, entry.ListURL)
	}
	if entry.Index >= l.Len() {
		return false, errors.New("status list: index beyond the list")
	}
	return l.Get(entry.Index)
}

// PresentedIssuer returns the issuer DID a presented credential names, or
// "" when it cannot be read (the full checks say why).
func PresentedIssuer(raw []byte) string {
	var d struct {
		Issuer json.RawMessage `json:"issuer"`
	}
	if json.Unmarshal(raw, &d) != nil || len(d.Issuer) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(d.Issuer, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(d.Issuer, &o)
	return o.ID
}

// describeDoc fills what the credential says, for the page.
func describeDoc(r *Report, doc map[string]any) {
	(&Service{}).describe(r, doc)
}
