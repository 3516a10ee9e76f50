package doctor

import (
	"errors"
	"net/url"
	"strings"
)

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
