package doctor

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// storedIssuer is the issuer id of a stored credential document ("" when
// unreadable).
func storedIssuer(doc string) string {
	var d struct {
		Issuer json.RawMessage `json:"issuer"`
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(d.Issuer, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	json.Unmarshal(d.Issuer, &o)
	return o.ID
}

// baseURLOfDID inverts credential.DIDWeb: did:web:host%3Aport:seg gives
// https://host:port/seg (the scheme does not enter the DID).
func baseURLOfDID(did string) (string, error) {
	rest, ok := strings.CutPrefix(did, "did:web:")
	if !ok || rest == "" {
		return "", errors.New("not a did:web identifier")
	}
	parts := strings.Split(rest, ":")
	host, err := url.PathUnescape(parts[0])
	if err != nil {
		return "", err
	}
	u := "https://" + host
	for _, seg := range parts[1:] {
		u += "/" + strings.ReplaceAll(seg, "%3A", ":")
	}
	return u, nil
}
