package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/credential"
	"takumi/internal/partner"
	"takumi/views"
	partnerviews "takumi/views/partner"
)

// Partner issuers (issue 19, learning done elsewhere): the platform
// admin's pages (/admin/partners, behind requirePlatformAdmin; the partner
// domain checks the flag again in its transaction), the learner's form
// that adds a partner credential to the wallet, and the API push.

var partnerFields = []string{"did", "name_ja", "name_en", "kind", "org", "document", "fetch"}

func partnerActor(c echo.Context) partner.Actor {
	return partner.Actor{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

func (s *Server) partnerKinds(c echo.Context) []views.Option {
	l := s.Catalog.For(s.lang(c))
	out := make([]views.Option, len(partner.Kinds))
	for i, k := range partner.Kinds {
		out[i] = views.Option{Value: k, Label: l.T(partnerviews.KindKey(k))}
	}
	return out
}

// handleAdminPartners lists the partner issuers with the form to register one.
func (s *Server) handleAdminPartners(c echo.Context) error {
	return s.renderAdminPartners(c, http.StatusOK, views.NewForm())
}

func (s *Server) renderAdminPartners(c echo.Context, status int, f views.Form) error {
	list, err := s.Partners.Issuers(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, status, partnerviews.Issuers(s.page(c, "partner.admin_title"), list, f, s.partnerKinds(c)))
}

// handleAdminPartnerCreate registers a partner issuer, or re-renders the
// form with what was typed (422).
func (s *Server) handleAdminPartnerCreate(c echo.Context) error {
	f := formFrom(c, partnerFields...)
	iss, err := s.Partners.RegisterIssuer(c.Request().Context(), partnerActor(c), partner.IssuerInput{
		DID: f.Get("did"), NameJa: f.Get("name_ja"), NameEn: f.Get("name_en"), Kind: f.Get("kind"), Org: f.Get("org"),
		Document: c.FormValue("document"), Fetch: f.Get("fetch") == "1"})
	if fieldErrors(err, &f) {
		f.Values["document"] = c.FormValue("document")
		return s.renderAdminPartners(c, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "partner.flash_registered")
	return redirect(c, "/admin/partners/"+iss.ID)
}

// handleAdminPartner shows one partner issuer.
func (s *Server) handleAdminPartner(c echo.Context) error {
	return s.renderAdminPartner(c, http.StatusOK, views.NewForm(), views.NewForm(), views.NewForm())
}

func (s *Server) renderAdminPartner(c echo.Context, status int, mapForm, docForm, listForm views.Form) error {
	ctx := c.Request().Context()
	iss, err := s.Partners.Issuer(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	maps, err := s.Partners.Mappings(ctx, iss.ID)
	if err != nil {
		return err
	}
	creds, err := s.Partners.CredentialsOf(ctx, iss.ID, 200)
	if err != nil {
		return err
	}
	areas, err := s.Courses.SkillAreas(ctx)
	if err != nil {
		return err
	}
	skills := make([]views.Option, len(areas))
	for i, a := range areas {
		skills[i] = views.Option{Value: a.Code, Label: a.Name.In(s.lang(c))}
	}
	return render(c, status, partnerviews.Issuer(s.page(c, "partner.issuer_title", iss.Name(s.lang(c))), partnerviews.IssuerPage{
		Issuer: iss, Mappings: maps, Credentials: creds, Skills: skills, MapForm: mapForm, DocForm: docForm, ListForm: listForm}))
}

// handleAdminPartnerMap maps an achievement to a skill area.
func (s *Server) handleAdminPartnerMap(c echo.Context) error {
	f := formFrom(c, "achievement_id", "skill_area")
	err := s.Partners.MapAchievement(c.Request().Context(), partnerActor(c), c.Param("id"), f.Get("achievement_id"), f.Get("skill_area"))
	if fieldErrors(err, &f) {
		return s.renderAdminPartner(c, http.StatusUnprocessableEntity, f, views.NewForm(), views.NewForm())
	}
	if err != nil {
		return err
	}
	s.flash(c, "partner.flash_mapped")
	return redirect(c, "/admin/partners/"+c.Param("id"))
}

// handleAdminPartnerDocument refreshes the stored DID document (pasted, or
// fetched now: the admin's action).
func (s *Server) handleAdminPartnerDocument(c echo.Context) error {
	f := formFrom(c, "document", "fetch")
	f.Values["document"] = c.FormValue("document")
	err := s.Partners.RefreshDocument(c.Request().Context(), partnerActor(c), c.Param("id"), c.FormValue("document"), f.Get("fetch") == "1")
	if fieldErrors(err, &f) {
		return s.renderAdminPartner(c, http.StatusUnprocessableEntity, views.NewForm(), f, views.NewForm())
	}
	if err != nil {
		return err
	}
	s.flash(c, "partner.flash_document")
	return redirect(c, "/admin/partners/"+c.Param("id"))
}

// handleAdminPartnerStatusList stores a pasted status list credential and
// revokes what it revokes.
func (s *Server) handleAdminPartnerStatusList(c echo.Context) error {
	f := views.NewForm()
	f.Values["status_list"] = c.FormValue("status_list")
	_, err := s.Partners.AddStatusList(c.Request().Context(), partnerActor(c), c.Param("id"), []byte(c.FormValue("status_list")))
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		f.Errors["status_list"] = e.Key
		return s.renderAdminPartner(c, http.StatusUnprocessableEntity, views.NewForm(), views.NewForm(), f)
	}
	if err != nil {
		return err
	}
	s.flash(c, "partner.flash_status_list")
	return redirect(c, "/admin/partners/"+c.Param("id"))
}

// handleAdminPartnerRevoke records a partner's revocation.
func (s *Server) handleAdminPartnerRevoke(c echo.Context) error {
	ctx := c.Request().Context()
	err := s.Partners.RevokeCredential(ctx, partnerActor(c), c.Param("cid"), c.FormValue("reason"))
	if err != nil {
		return err
	}
	var issuerID string
	if err := s.DB.Gorm.WithContext(ctx).Raw(`SELECT issuer_id::text FROM partner_credentials WHERE id = ?`, c.Param("cid")).Scan(&issuerID).Error; err != nil {
		return err
	}
	s.flash(c, "partner.flash_revoked")
	return redirect(c, "/admin/partners/"+issuerID)
}

// handleWalletPartnerForm is the form that adds a partner's credential.
func (s *Server) handleWalletPartnerForm(c echo.Context) error {
	return render(c, http.StatusOK, partnerviews.Add(s.page(c, "partner.add_title"), partnerviews.AddForm{Form: views.NewForm()}))
}

// handleWalletPartnerAdd verifies a pasted or uploaded partner credential
// and adds it to the learner's wallet, or re-renders the form with what
// was pasted, the reason and the checks (422).
func (s *Server) handleWalletPartnerAdd(c echo.Context) error {
	v := partnerviews.AddForm{Form: views.NewForm()}
	pasted := c.FormValue("credential")
	raw := []byte(pasted)
	if len(pasted) <= credential.MaxVerifyBytes {
		v.Form.Values["credential"] = pasted
	}
	v.Form.Values["confirm"] = c.FormValue("confirm")
	if fh, err := c.FormFile("file"); err == nil && (fh.Size > 0 || fh.Filename != "") {
		file, err := fh.Open()
		if err != nil {
			return err
		}
		defer file.Close()
		raw, err = io.ReadAll(io.LimitReader(file, credential.MaxVerifyBytes+1))
		if err != nil {
			return err
		}
		v.FileName = fh.Filename
		if len(raw) <= credential.MaxVerifyBytes && strings.TrimSpace(pasted) == "" {
			v.Form.Values["credential"] = string(raw) // kept, so a second try needs no new upload
		}
	} else if err != nil && !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart) {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	if strings.TrimSpace(string(raw)) == "" {
		v.Form.Errors["credential"] = "partner.err_empty"
		return render(c, http.StatusUnprocessableEntity, partnerviews.Add(s.page(c, "partner.add_title"), v))
	}
	uid := currentAuth(c).User.ID
	_, err := s.Partners.Import(c.Request().Context(), partner.Actor{UserID: uid, IP: clientIP(c)},
		partner.ImportInput{Raw: raw, UserID: uid, Confirmed: c.FormValue("confirm") == "1"})
	if ie, ok := partner.AsImportError(err); ok {
		v.Report = ie.Report
		if len(ie.Err.Fields) > 0 {
			for k, m := range ie.Err.Fields {
				v.Form.Errors[k] = m
			}
		} else {
			v.Form.Errors["credential"] = ie.Err.Key
		}
		return render(c, http.StatusUnprocessableEntity, partnerviews.Add(s.page(c, "partner.add_title"), v))
	}
	if err != nil {
		return err
	}
	s.flash(c, "partner.flash_added")
	return redirect(c, "/learn/credentials")
}

// --- API push (/api/v1/partner-credentials, /api/v1/partner-status-lists) ---

type apiPartnerCredentialIn struct {
	Credential           json.RawMessage `json:"credential"`
	StatusListCredential json.RawMessage `json:"statusListCredential,omitempty"`
	Email                string          `json:"email"`
}

type apiPartnerCredential struct {
	ID            string  `json:"id"`
	CredentialID  string  `json:"credentialId"`
	Issuer        string  `json:"issuer"`
	AchievementID string  `json:"achievementId"`
	Counted       bool    `json:"counted"`
	SkillArea     *string `json:"skillArea"`
	Revoked       bool    `json:"revoked"`
	AddedAt       string  `json:"addedAt"`
	Existing      bool    `json:"existing"`
}

// handleAPIPartnerCredentialPush adds a partner's credential to the wallet
// of the learner whose email the credential's identity hash names. The
// calling client's organisation must be the partner issuer's.
func (s *Server) handleAPIPartnerCredentialPush(c echo.Context) error {
	var in apiPartnerCredentialIn
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 2*credential.MaxVerifyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || len(in.Credential) == 0 || strings.TrimSpace(in.Email) == "" {
		return apperr.New(apperr.Invalid, "api.err_body")
	}
	caller := apiCaller(c)
	res, err := s.Partners.Import(c.Request().Context(), partner.Actor{ClientID: caller.ClientID, OrgID: caller.OrgID, IP: clientIP(c)},
		partner.ImportInput{Raw: in.Credential, StatusList: in.StatusListCredential, Email: in.Email})
	if ie, ok := partner.AsImportError(err); ok {
		return ie.Err
	}
	if err != nil {
		return err
	}
	cr := res.Credential
	status := http.StatusCreated
	if res.Existing {
		status = http.StatusOK
	}
	return apiJSON(c, status, apiPartnerCredential{ID: cr.ID, CredentialID: cr.CredentialID, Issuer: res.Issuer.DID,
		AchievementID: cr.AchievementID, Counted: cr.Counted(), SkillArea: cr.CountedSkillArea, Revoked: cr.RevokedAt != nil,
		AddedAt: apiTime(cr.AddedAt), Existing: res.Existing})
}

// handleAPIPartnerStatusListPush stores a partner's newer status list and
// revokes (stops counting) every credential it marks.
func (s *Server) handleAPIPartnerStatusListPush(c echo.Context) error {
	var in struct {
		StatusListCredential json.RawMessage `json:"statusListCredential"`
	}
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 2*credential.MaxVerifyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || len(in.StatusListCredential) == 0 {
		return apperr.New(apperr.Invalid, "api.err_body")
	}
	ctx := c.Request().Context()
	did := credential.PresentedIssuer(in.StatusListCredential)
	iss, err := s.Partners.IssuerByDID(ctx, did)
	if err != nil {
		return apperr.New(apperr.Invalid, "partner.err_issuer_unregistered")
	}
	caller := apiCaller(c)
	n, err := s.Partners.AddStatusList(ctx, partner.Actor{ClientID: caller.ClientID, OrgID: caller.OrgID, IP: clientIP(c)}, iss.ID, in.StatusListCredential)
	if err != nil {
		return err
	}
	return apiJSON(c, http.StatusOK, map[string]any{"issuer": iss.DID, "revoked": n})
}
