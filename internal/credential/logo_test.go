package credential_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"

	"takumi/internal/credential"
	"takumi/internal/org"
)

// logoPNG is a small valid PNG.
func logoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// issuerImage is the issuer image of a signed credential document.
func issuerImage(t *testing.T, doc string) string {
	t.Helper()
	var m struct {
		Issuer struct {
			Image struct {
				ID string `json:"id"`
			} `json:"image"`
		} `json:"issuer"`
	}
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m.Issuer.Image.ID
}

// TestProviderLogoIssuerImage: a credential issued after the provider
// uploads a logo carries it as the issuer image (a PNG data: URI, signed,
// valid against the OB 3.0 schema via newIssuing and verifiable); one
// issued before keeps the generated SVG.
func TestProviderLogoIssuerImage(t *testing.T) {
	is := newIssuing(t)
	ctx := context.Background()
	courseID, lessons := is.course(t, "logo")

	before := is.learner(t, 1)
	is.complete(t, before, courseID, lessons)
	hs, err := is.creds.ListForUser(ctx, before)
	if err != nil || len(hs) != 1 {
		t.Fatalf("%d credentials (%v)", len(hs), err)
	}
	oldDoc := hs[0].Document
	if img := issuerImage(t, oldDoc); !strings.HasPrefix(img, "data:image/svg+xml;base64,") {
		t.Fatalf("issuer image without a logo = %.40q, want the generated SVG", img)
	}

	logo := logoPNG(t)
	orgs := org.NewService(is.db.Gorm, nil, nil, "https://takumi.example.jp")
	if err := orgs.SetLogo(ctx, org.Actor{UserID: is.author}, is.provider, logo); err != nil {
		t.Fatal(err)
	}

	after := is.learner(t, 2)
	is.complete(t, after, courseID, lessons)
	hs, err = is.creds.ListForUser(ctx, after)
	if err != nil || len(hs) != 1 {
		t.Fatalf("%d credentials (%v)", len(hs), err)
	}
	want := "data:image/png;base64," + base64.StdEncoding.EncodeToString(logo)
	if img := issuerImage(t, hs[0].Document); img != want {
		t.Fatalf("issuer image after the upload = %.60q, want the logo's PNG data URI", img)
	}
	if rep := is.creds.Verify(ctx, []byte(hs[0].Document)); rep.Verdict != credential.VerdictValid {
		t.Fatalf("the credential with the logo does not verify: %s", rep.Verdict)
	}

	if os.Getenv("TAKUMI_NODE_VERIFY") == "1" {
		dir := nodeVerifierDir(t)
		status, _, err := is.creds.StatusListCredential(ctx, hs[0].StatusListID)
		if err != nil {
			t.Fatal(err)
		}
		if r := runNodeVerifier(t, dir, []byte(hs[0].Document), is.creds.DIDDocument(), status); !r.accepted() {
			t.Fatalf("the independent verifier does not accept the credential with the logo:\n%s", r.output)
		}
	}

	// Already issued credentials do not change.
	hs, _ = is.creds.ListForUser(ctx, before)
	if hs[0].Document != oldDoc {
		t.Fatal("a credential issued before the upload changed")
	}
}
