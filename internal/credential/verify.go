package credential

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// MaxVerifyBytes bounds a credential given to Verify (1 MiB; ours are ~3 KiB).
const MaxVerifyBytes = 1 << 20

// Verdict is the outcome of verifying a credential.
type Verdict string

// Verdicts, from best to worst.
const (
	VerdictValid       Verdict = "valid"
	VerdictExpired     Verdict = "expired"
	VerdictNotYetValid Verdict = "not_yet_valid"
	VerdictRevoked     Verdict = "revoked"
	VerdictInvalid     Verdict = "invalid"
)

// Check is one thing verification looked at. Name and Detail are message
// keys (credential.check.*, credential.ok.*, credential.err.*); Args fill the
// detail's verbs. OK is false for a failed check; Skipped marks a check not
// run because an earlier one failed.
type Check struct {
	Name    string
	OK      bool
	Skipped bool
	Detail  string
	Args    []any
}

// Report is what verifying a credential found: the verdict, each check in
// order, and what the credential says (when it could be read).
type Report struct {
	Verdict Verdict
	Checks  []Check

	CredentialID     string
	IssuerName       string
	AchievementName  string
	AchievementURL   string
	ValidFrom        *time.Time
	ValidUntil       *time.Time
	RevokedAt        *time.Time
	RevocationReason string
	KeyID            string
}

// Check names, in the order they run.
const (
	CheckFormat    = "credential.check.format"
	CheckContexts  = "credential.check.contexts"
	CheckIssuer    = "credential.check.issuer"
	CheckSignature = "credential.check.signature"
	CheckStatus    = "credential.check.status"
	CheckDates     = "credential.check.dates"
)

var checkOrder = []string{CheckFormat, CheckContexts, CheckIssuer, CheckSignature, CheckStatus, CheckDates}

func (r *Report) add(name string, ok bool, detail string, args ...any) bool {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: detail, Args: args})
	if !ok && r.Verdict == VerdictValid {
		r.Verdict = VerdictInvalid
	}
	return ok
}

// skipRest records every check not yet run as skipped.
func (r *Report) skipRest() {
	done := map[string]bool{}
	for _, c := range r.Checks {
		done[c.Name] = true
	}
	for _, n := range checkOrder {
		if !done[n] {
			r.Checks = append(r.Checks, Check{Name: n, Skipped: true, Detail: "credential.detail.skipped"})
		}
	}
}

// Verify checks a credential someone presents, given as JSON: that it is an
// Open Badges credential, uses only the contexts the platform bundles (it
// never fetches one), was issued by this platform's DID, carries a valid
// eddsa-rdfc-2022 proof by one of the platform's keys (retired keys too),
// is not revoked in our status list (read from the database, never
// fetched), and is within its dates at now. It never fails: every problem is
// a failed check with a plain explanation.
func (s *Service) Verify(ctx context.Context, raw []byte) *Report {
	r := &Report{Verdict: VerdictValid}
	defer r.skipRest()
	defer s.observeVerify("presented", r)
	doc, ok := parsePresented(r, raw)
	if !ok {
		return r
	}
	s.verifyDoc(ctx, r, doc, false)
	return r
}

// parsePresented decodes a presented credential's JSON, recording a failed
// format check (and returning false) when it is too large, empty, not one
// JSON object, followed by more data, or has a duplicate key.
func parsePresented(r *Report, raw []byte) (map[string]any, bool) {
	if len(raw) > MaxVerifyBytes {
		r.add(CheckFormat, false, "credential.detail.too_large", MaxVerifyBytes>>10)
		return nil, false
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		r.add(CheckFormat, false, "credential.detail.empty")
		return nil, false
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			r.add(CheckFormat, false, "credential.detail.malformed_at", se.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			r.add(CheckFormat, false, "credential.detail.malformed_at", len(raw))
		default:
			r.add(CheckFormat, false, "credential.detail.not_object")
		}
		return nil, false
	}
	if dec.More() {
		r.add(CheckFormat, false, "credential.detail.trailing")
		return nil, false
	}
	var dup *errDuplicateKey
	if err := checkDuplicateKeys(raw); errors.As(err, &dup) {
		if dup.Path == "" {
			r.add(CheckFormat, false, "credential.detail.duplicate_key_top", dup.Key)
		} else {
			r.add(CheckFormat, false, "credential.detail.duplicate_key", dup.Key, dup.Path)
		}
		return nil, false
	} else if err != nil {
		r.add(CheckFormat, false, "credential.detail.not_object")
		return nil, false
	}
	// json.Number does not survive JSON-LD processing: decode again plainly.
	doc = nil
	if err := json.Unmarshal(raw, &doc); err != nil || doc == nil {
		r.add(CheckFormat, false, "credential.detail.not_object")
		return nil, false
	}
	return doc, true
}

// VerifyStored verifies a credential the platform issued (its public page).
func (s *Service) VerifyStored(ctx context.Context, c *Credential) *Report {
	r := &Report{Verdict: VerdictValid}
	defer r.skipRest()
	defer s.observeVerify("stored", r)
	var doc map[string]any
	if err := json.Unmarshal([]byte(c.Document), &doc); err != nil {
		r.add(CheckFormat, false, "credential.detail.not_object")
		return r
	}
	s.verifyDoc(ctx, r, doc, true)
	return r
}

// verifyDoc runs the checks on doc; stored is true for a document read from
// our own credentials table.
func (s *Service) verifyDoc(ctx context.Context, r *Report, doc map[string]any, stored bool) {
	s.describe(r, doc)
	if !hasType(doc["type"], TypeVerifiableCredential) || !(hasType(doc["type"], TypeOpenBadgeCredential) || hasType(doc["type"], "AchievementCredential")) {
		r.add(CheckFormat, false, "credential.detail.not_openbadge")
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
	case !strings.HasPrefix(issuer, "did:"):
		r.add(CheckIssuer, false, "credential.detail.issuer_not_did", issuer)
		return
	case !strings.HasPrefix(issuer, "did:web:"):
		method, _, _ := strings.Cut(strings.TrimPrefix(issuer, "did:"), ":")
		r.add(CheckIssuer, false, "credential.detail.did_method", method)
		return
	case issuer != s.did:
		r.add(CheckIssuer, false, "credential.detail.issuer_other", issuer, s.did)
		return
	}
	// The proof must be the issuer's: made with a key its DID document
	// lists. A proof by another DID or by a key we never had is the issuer
	// check failing, said as such (not as a change of content).
	if vm := proofVerificationMethod(doc["proof"]); vm != "" {
		signer, keyID, _ := strings.Cut(vm, "#")
		if signer != issuer {
			r.add(CheckIssuer, false, "credential.detail.signer_not_issuer", signer, issuer)
			return
		}
		if _, listed := s.keys.Lookup(keyID); !listed {
			r.add(CheckIssuer, false, "credential.detail.key_not_listed", vm, s.did)
			return
		}
	}
	r.add(CheckIssuer, true, "credential.detail.issuer_ok", s.did)

	if _, hasProof := doc["proof"]; !hasProof {
		r.add(CheckSignature, false, "credential.detail.no_proof")
		return
	}
	if !stored && !s.matchesIssued(ctx, r, doc) {
		return
	}
	info, err := verifyProofInfo(doc, s.resolveKey, expanded)
	if err != nil {
		addSignatureError(r, err)
		return
	}
	keyID := strings.TrimPrefix(info.VerificationMethod, s.did+"#")
	r.KeyID = keyID
	if k, ok := s.keys.Lookup(keyID); ok && !k.Active() {
		r.add(CheckSignature, true, "credential.detail.signature_ok_retired", keyID)
	} else {
		r.add(CheckSignature, true, "credential.detail.signature_ok", keyID)
	}

	if !s.checkStatus(ctx, r, doc) {
		return
	}
	checkDates(r, s.now())
}

// addSignatureError records the failed signature check that err (from
// verifyProofInfo) explains.
func addSignatureError(r *Report, err error) {
	var na *ErrDocumentNotAllowed
	switch {
	case errors.Is(err, ErrNoProof):
		r.add(CheckSignature, false, "credential.detail.no_proof")
	case errors.Is(err, ErrUnsupportedCryptosuite):
		r.add(CheckSignature, false, "credential.detail.cryptosuite")
	case errors.Is(err, ErrUnknownKey):
		r.add(CheckSignature, false, "credential.detail.unknown_key")
	case errors.Is(err, ErrSignatureMismatch):
		r.add(CheckSignature, false, "credential.detail.signature_mismatch")
	case errors.As(err, &na):
		r.add(CheckSignature, false, "credential.detail.context_remote", na.URL)
	default:
		r.add(CheckSignature, false, "credential.detail.bad_proof", shortErr(err))
	}
}

// checkContexts records the contexts check: the credentials v2 context
// first, then only contexts the platform bundles (never fetched), and a
// JSON-LD safe-mode expansion without an undefined term. It returns the
// expansion (the signature check canonicalises it).
func checkContexts(r *Report, doc map[string]any) ([]any, bool) {
	ctxs, ok := doc["@context"].([]any)
	if !ok || len(ctxs) == 0 || ctxs[0] != ContextCredentialsV2 {
		r.add(CheckContexts, false, "credential.detail.context_first")
		return nil, false
	}
	for _, c := range ctxs {
		u, isString := c.(string)
		if !isString {
			r.add(CheckContexts, false, "credential.detail.context_inline")
			return nil, false
		}
		if _, bundled := BundledContext(u); !bundled {
			r.add(CheckContexts, false, "credential.detail.context_remote", u)
			return nil, false
		}
	}
	// The expansion is kept: the signature check canonicalises it.
	expanded, err := ExpandSafe(withoutProof(doc), nil)
	if err != nil {
		r.add(CheckContexts, false, "credential.detail.context_undefined", shortErr(err))
		return nil, false
	}
	r.add(CheckContexts, true, "credential.detail.contexts_ok")
	return expanded, true
}

// checkDates records the dates check at now (VerdictNotYetValid and
// VerdictExpired when the credential is outside its dates).
func checkDates(r *Report, now time.Time) {
	switch {
	case r.ValidFrom == nil:
		r.add(CheckDates, false, "credential.detail.no_valid_from")
	case now.Before(*r.ValidFrom):
		r.add(CheckDates, true, "credential.detail.not_yet_valid", r.ValidFrom.UTC().Format(time.RFC3339))
		if r.Verdict == VerdictValid {
			r.Verdict = VerdictNotYetValid
		}
	case r.ValidUntil != nil && !now.Before(*r.ValidUntil):
		r.add(CheckDates, true, "credential.detail.expired", r.ValidUntil.UTC().Format(time.RFC3339))
		if r.Verdict == VerdictValid {
			r.Verdict = VerdictExpired
		}
	case r.ValidUntil != nil:
		r.add(CheckDates, true, "credential.detail.dates_until", r.ValidUntil.UTC().Format(time.RFC3339))
	default:
		r.add(CheckDates, true, "credential.detail.dates_ok")
	}
}

// checkStatus reads the credential's revocation bit from our own status
// list. A credential pointing at any other list is refused: we never fetch.
func (s *Service) checkStatus(ctx context.Context, r *Report, doc map[string]any) bool {
	st, ok := doc["credentialStatus"].(map[string]any)
	if !ok {
		r.add(CheckStatus, false, "credential.detail.status_missing")
		return false
	}
	listURL, _ := st["statusListCredential"].(string)
	idxText, _ := st["statusListIndex"].(string)
	idx, err := strconv.Atoi(idxText)
	prefix := s.StatusListURL("")
	if st["type"] != TypeBitstringStatusListEntry || st["statusPurpose"] != StatusPurposeRevocation || err != nil || idx < 0 ||
		!strings.HasPrefix(listURL, prefix) {
		r.add(CheckStatus, false, "credential.detail.status_foreign")
		return false
	}
	listID := strings.TrimPrefix(listURL, prefix)
	var row struct {
		Bit   *int
		Found bool
	}
	pos := (idx/8)*8 + 7 - idx%8
	if err := s.db.WithContext(ctx).Raw(`SELECT true AS found, CASE WHEN ? < length(bits) * 8 THEN get_bit(bits, ?) END AS bit
		FROM status_lists WHERE id = ?`, idx, pos, listID).Scan(&row).Error; err != nil {
		r.add(CheckStatus, false, "credential.detail.status_unavailable")
		return false
	}
	if !row.Found || row.Bit == nil {
		r.add(CheckStatus, false, "credential.detail.status_foreign")
		return false
	}
	if *row.Bit == 1 {
		var rev struct {
			RevokedAt        *time.Time
			RevocationReason string
		}
		_ = s.db.WithContext(ctx).Raw(`SELECT revoked_at, revocation_reason FROM credentials WHERE status_list_id = ? AND status_index = ?`,
			listID, idx).Scan(&rev).Error
		r.RevokedAt, r.RevocationReason = rev.RevokedAt, rev.RevocationReason
		date := ""
		if rev.RevokedAt != nil {
			date = rev.RevokedAt.UTC().Format(time.RFC3339)
		}
		r.add(CheckStatus, true, "credential.detail.revoked", date)
		r.Verdict = VerdictRevoked
		return true
	}
	r.add(CheckStatus, true, "credential.detail.status_ok", listID, idx)
	return true
}

// describe fills what the credential says, for the page, before checking.
func (s *Service) describe(r *Report, doc map[string]any) {
	r.CredentialID, _ = doc["id"].(string)
	if iss, ok := doc["issuer"].(map[string]any); ok {
		r.IssuerName, _ = iss["name"].(string)
	}
	if sub, ok := doc["credentialSubject"].(map[string]any); ok {
		if a, ok := sub["achievement"].(map[string]any); ok {
			r.AchievementName, _ = a["name"].(string)
			r.AchievementURL, _ = a["id"].(string)
		}
	}
	r.ValidFrom = parseDate(doc["validFrom"])
	r.ValidUntil = parseDate(doc["validUntil"])
}

func parseDate(v any) *time.Time {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}

// proofVerificationMethod is the verificationMethod of a proof given as an
// object or as a list of one, or "" when there is none to read.
func proofVerificationMethod(v any) string {
	if l, ok := v.([]any); ok && len(l) == 1 {
		v = l[0]
	}
	p, _ := v.(map[string]any)
	vm, _ := p["verificationMethod"].(string)
	return vm
}

func hasType(v any, want string) bool {
	switch t := v.(type) {
	case string:
		return t == want
	case []any:
		for _, x := range t {
			if x == want {
				return true
			}
		}
	}
	return false
}

func issuerID(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		id, _ := t["id"].(string)
		return id
	}
	return ""
}

// shortErr keeps an error's message short enough for a page.
func shortErr(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// matchesIssued is the gate before canonicalisation of a presented
// document. SECURITY: RDF canonicalisation of a crafted graph (many blank
// nodes linked to each other) takes time exponential in its size, and
// /verify is public. Only a credential this platform issued can verify, so
// the presented document must be, value for value, the one stored under its
// id; anything else is answered without canonicalising. The signature is
// then still checked on the presented document.
func (s *Service) matchesIssued(ctx context.Context, r *Report, doc map[string]any) bool {
	id, _ := doc["id"].(string)
	uid, err := uuid.Parse(strings.TrimPrefix(id, "urn:uuid:"))
	var stored string
	if err == nil && strings.HasPrefix(id, "urn:uuid:") {
		if err := s.db.WithContext(ctx).Raw(`SELECT document FROM credentials WHERE id = ?`, uid.String()).Scan(&stored).Error; err != nil {
			r.add(CheckSignature, false, "credential.detail.status_unavailable")
			return false
		}
	}
	if stored == "" {
		r.add(CheckSignature, false, "credential.detail.not_issued_here")
		return false
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(stored), &want); err != nil || !sameJSON(want, doc) {
		r.add(CheckSignature, false, "credential.detail.changed")
		return false
	}
	return true
}
