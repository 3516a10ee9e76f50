package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"takumi/internal/apiclient"
	"takumi/static"
)

// routes is the one route table, one block per area. Each area that has a
// path prefix is an echo group whose middleware is its access rule:
// requireUser, s.requireAuthor, requireOrgAdmin, requireAnalyst or
// requirePlatformAdmin (handlers then check ownership of the specific
// organisation or record). A group also answers unknown paths under its
// prefix behind its rule. Routes outside a group are public unless they name
// their rule.
func (s *Server) routes() {
	e := s.echo

	// --- infrastructure ---
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	// /metrics: on the main address only with the bearer token; otherwise
	// on the separate metrics listener (app.Serve, TAKUMI_METRICS_ADDR).
	if s.Config.MetricsToken != "" {
		e.GET("/metrics", s.handleMetrics())
	}
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", staticHandler(http.FS(static.FS)))))
	e.GET("/favicon.ico", handleFavicon)
	// Development only: the mailbox of every email sent.
	if !s.Config.Production() {
		e.GET("/dev/mailbox", s.handleDevMailbox)
	}

	// --- xAPI learning record store (/xapi, issue 17, web/xapi.go) ---
	// Authorisation: every request but About carries an LRS client's key and
	// secret (HTTP Basic; xapi.Service.Authenticate), checked for the read or
	// write scope; no session, exempt from CSRF (isInfraPath).
	e.Match(xapiMethods, "/xapi/statements", s.handleXAPIStatements)
	e.Match(xapiMethods, "/xapi/activities/state", s.handleXAPIDocuments("state"))
	e.Match(xapiMethods, "/xapi/activities/profile", s.handleXAPIDocuments("activity"))
	e.Match(xapiMethods, "/xapi/agents/profile", s.handleXAPIDocuments("agent"))
	e.Match(xapiMethods, "/xapi/activities", s.handleXAPIActivities)
	e.Match(xapiMethods, "/xapi/agents", s.handleXAPIAgents)
	e.Match(xapiMethods, "/xapi/about", s.handleXAPIAbout) // public: the versions the LRS speaks
	// cmi5 fetch URL (issue 17, web/cmi5.go): the one-time fetch token in the path is the authorisation.
	e.Match([]string{http.MethodPost, http.MethodOptions}, "/xapi/cmi5/fetch/:token", s.handleCmi5Fetch)

	// --- public pages (no login) ---
	e.GET("/", s.handleHome)
	e.POST("/language", s.handleLanguage)
	e.GET("/privacy", s.handlePrivacy)
	e.GET("/accessibility", s.handleAccessibility)
	// Catalogue, course and learning path pages.
	e.GET("/courses", s.handleCatalogue)
	e.GET("/courses/:provider/:code", s.handleCourseShow)
	e.GET("/paths/:provider/:code", s.handlePathShow)
	// Course media: the domain allows editors of the provider, and everyone
	// else only files of a published course's current revision (else 404).
	e.GET(mediaServeRoute, s.handleMediaServe)
	e.GET("/captions/:course/:lesson/:file", s.handleCaptions) // public like the video: published courses only
	// Credential verification, the issuer's DID, status lists.
	// The documents verifiers fetch also answer HEAD (the same headers, no body).
	getOrHead := []string{http.MethodGet, http.MethodHead}
	e.GET("/credentials/issuer", s.handleIssuerInfo)
	e.GET("/credentials/:id", s.handleCredentialPage)
	e.Match(getOrHead, "/credentials/:id/credential.json", s.handleCredentialJSON)
	e.GET("/credentials/:id/qr.svg", s.handleCredentialQR)
	e.Match(getOrHead, "/credentials/status/:list", s.handleStatusList)
	e.Match(getOrHead, "/.well-known/did.json", s.handleDIDDocument)
	e.GET("/verify", s.handleVerifyForm)
	e.POST("/verify", s.handleVerify)
	// National progress: page, methodology, open data.
	e.GET("/progress", s.handleProgress)
	e.GET("/progress/methodology", s.handleMethodology)
	e.GET("/progress/data.json", s.handleProgressJSON)
	e.GET("/progress/data.csv", s.handleProgressCSV)

	// --- integration API (/api/v1, issue 19): web/api.go ---
	// Bearer tokens of an organisation's API clients (OAuth 2.0 client
	// credentials), outside the session and exempt from CSRF: the token is
	// the access rule. The token endpoint and the document are public; every
	// other route needs its scope (apiScope), reads only the token's
	// organisation, is rate limited per client and audited (apiAuth).
	e.POST(apiPrefix+"/oauth/token", s.handleAPIToken)
	e.GET(apiPrefix+"/openapi.json", s.handleAPIOpenAPI)
	e.GET("/developers/api", s.handleAPIDocs) // public documentation page
	api := e.Group(apiPrefix, s.apiAuth)
	api.GET("/courses", s.handleAPICourses, apiScope(apiclient.ScopeCatalogueRead))
	api.GET("/skill-areas", s.handleAPISkillAreas, apiScope(apiclient.ScopeCatalogueRead))
	api.GET("/paths", s.handleAPIPaths, apiScope(apiclient.ScopeCatalogueRead))
	api.GET("/paths/:id", s.handleAPIPath, apiScope(apiclient.ScopeCatalogueRead))
	api.GET("/provider-courses", s.handleAPIProviderCourses, apiScope(apiclient.ScopeCoursesRead))
	api.GET("/enrolments", s.handleAPIEnrolments, apiScope(apiclient.ScopeEnrolmentsRead))
	api.POST("/enrolments", s.handleAPIEnrolmentCreate, apiScope(apiclient.ScopeEnrolmentsWrite), s.apiIdempotent)
	api.GET("/enrolments/:id", s.handleAPIEnrolment, apiScope(apiclient.ScopeEnrolmentsRead))
	api.POST("/enrolments/:id/withdraw", s.handleAPIEnrolmentWithdraw, apiScope(apiclient.ScopeEnrolmentsWrite), s.apiIdempotent)
	api.GET("/members", s.handleAPIMembers, apiScope(apiclient.ScopeMembersRead))
	api.GET("/progress", s.handleAPIProgress, apiScope(apiclient.ScopeProgressRead))
	api.GET("/credentials", s.handleAPICredentials, apiScope(apiclient.ScopeCredentialsRead))
	api.GET("/credentials/:id", s.handleAPICredential, apiScope(apiclient.ScopeCredentialsRead))
	api.POST("/credentials/:id/revoke", s.handleAPICredentialRevoke, apiScope(apiclient.ScopeCredentialsRevoke), s.apiIdempotent)
	// Partner issuers push their credentials and status lists (web/partners.go).
	api.POST("/partner-credentials", s.handleAPIPartnerCredentialPush, apiScope(apiclient.ScopePartnerCredentialsWrite), s.apiIdempotent)
	api.POST("/partner-status-lists", s.handleAPIPartnerStatusListPush, apiScope(apiclient.ScopePartnerCredentialsWrite), s.apiIdempotent)

	// --- sign-up, email verification, password reset, sign-in, invitations ---
	// Public: the link token or the neutral answer is the access rule.
	e.GET("/signup", s.handleSignupForm)
	e.POST("/signup", s.handleSignup)
	e.GET("/verify-email", s.handleVerifyEmail)
	e.GET("/verify-email/resend", s.handleResendVerificationForm)
	e.POST("/verify-email/resend", s.handleResendVerification)
	e.GET("/password/forgot", s.handleForgotPasswordForm)
	e.POST("/password/forgot", s.handleForgotPassword)
	e.GET("/password/reset", s.handleResetPasswordForm)
	e.POST("/password/reset", s.handleResetPassword)
	e.GET("/login", s.handleLoginForm)
	e.POST("/login", s.handleLogin)
	e.GET("/login/2fa", s.handleLoginTwoFactorForm)
	e.POST("/login/2fa", s.handleLoginTwoFactor)
	e.POST("/logout", s.handleLogout)
	e.GET("/invitations/:token", s.handleInvitationShow)
	e.POST("/invitations/:token/accept", s.handleInvitationAccept, requireUser)
	e.POST("/invitations/:token/signup", s.handleInvitationSignup) // the token proves the address

	// --- account (/account): profile, password, two-factor, privacy rights ---
	// The signed-in person's own data only (requireUser).
	account := e.Group("/account", requireUser)
	account.GET("", s.handleAccount)
	account.POST("", s.handleAccountProfile)
	account.POST("/password", s.handleAccountPassword)
	account.POST("/consents/:org", s.handleAccountConsent) // own consent only (org.DecideConsent)
	account.GET("/2fa", s.handleTwoFactorPage)
	account.POST("/2fa", s.handleTwoFactorConfirm)
	account.POST("/2fa/disable", s.handleTwoFactorDisable)
	account.POST("/2fa/recovery", s.handleTwoFactorRecovery)
	account.GET("/privacy", s.handlePrivacyRights)
	account.GET("/privacy/export", s.handlePrivacyExport)
	account.GET("/privacy/delete", s.handlePrivacyDeleteForm)
	account.POST("/privacy/delete", s.handlePrivacyDelete)
	// Public: shows only to the browser that has just deleted its account.
	e.GET("/account/privacy/deleted", s.handlePrivacyDeleted)

	// --- learner (/learn): enrolment, my learning, course player, quizzes, cohorts, wallet ---
	// Signed-in learners (requireUser); the learning domain answers 404 for
	// anyone else's enrolment or attempt and for lessons not in the course,
	// and the wallet shows only the signed-in learner's own credentials.
	learn := e.Group("/learn", requireUser)
	learn.POST("/enrol", s.handlePlayerEnrol)
	learn.GET("", s.handlePlayerMyLearning)
	learn.GET("/history", s.handlePlayerHistory)
	learn.GET("/:enrolment", s.handlePlayerCourse)
	learn.GET("/:enrolment/withdraw", s.handlePlayerWithdrawConfirm)
	learn.POST("/:enrolment/withdraw", s.handlePlayerWithdraw)
	learn.GET("/:enrolment/lessons/:lesson", s.handlePlayerLesson)
	learn.POST("/:enrolment/lessons/:lesson/heartbeat", s.handlePlayerHeartbeat, writesNoAccount) // keeps the session in memory (web/middleware.go)
	learn.POST("/:enrolment/lessons/:lesson/complete", s.handlePlayerComplete)
	learn.POST("/scorm/commit", s.handleScormCommit, writesNoAccount) // SCORM run-time data: CSRF + the attempt's launch token (web/scorm.go)
	learn.GET("/:enrolment/quiz/:lesson", s.handleQuizplayIntro)
	learn.POST("/:enrolment/quiz/:lesson/start", s.handleQuizplayStart)
	learn.GET("/:enrolment/quiz/:lesson/attempts/:attempt", s.handleQuizplayAttempt)
	learn.POST("/:enrolment/quiz/:lesson/attempts/:attempt", s.handleQuizplaySubmit)
	learn.POST("/cohorts/:cid/enrol", s.handleCohortEnrol) // any learner, for themselves
	learn.GET("/credentials", s.handleWallet)
	learn.GET("/credentials/:id/certificate", s.handleCertificate)
	learn.GET("/credentials/partner", s.handleWalletPartnerForm) // a partner's credential (web/partners.go)
	learn.POST("/credentials/partner", s.handleWalletPartnerAdd)

	// --- authoring studio (/studio): courses, quizzes, media, cohorts, paths, analytics, export and import ---
	// Instructors and admins of a training provider (requireAuthor); the
	// catalog domain answers 404 for other providers' courses and paths and
	// for lessons of another kind, the learning domain for sessions of
	// another course, and export and import refuse other providers' courses.
	studio := e.Group("/studio", s.requireAuthor)
	studio.GET("", s.handleStudioCourses)
	studio.GET("/courses/new", s.handleStudioCourseNew)
	studio.POST("/courses/new", s.handleStudioCourseCreate)
	studio.POST("/preview", s.handleStudioPreview)
	studio.GET("/courses/:id", s.handleStudioCourse)
	studio.GET("/courses/:id/details", s.handleStudioDetails)
	studio.POST("/courses/:id/details", s.handleStudioDetailsSave)
	studio.POST("/courses/:id/modules", s.handleStudioModuleAdd)
	studio.POST("/courses/:id/modules/:mid", s.handleStudioModuleRename)
	studio.POST("/courses/:id/modules/:mid/move", s.handleStudioModuleMove)
	studio.GET("/courses/:id/modules/:mid/delete", s.handleStudioModuleDeleteConfirm)
	studio.POST("/courses/:id/modules/:mid/delete", s.handleStudioModuleDelete)
	studio.POST("/courses/:id/modules/:mid/lessons", s.handleStudioLessonAdd)
	studio.GET("/courses/:id/lessons/:lid", s.handleStudioLesson)
	studio.POST("/courses/:id/lessons/:lid", s.handleStudioLessonSave)
	studio.POST("/courses/:id/lessons/:lid/move", s.handleStudioLessonMove)
	studio.GET("/courses/:id/lessons/:lid/delete", s.handleStudioLessonDeleteConfirm)
	studio.POST("/courses/:id/lessons/:lid/delete", s.handleStudioLessonDelete)
	studio.GET("/courses/:id/publish", s.handleStudioPublishPage)
	studio.POST("/courses/:id/publish", s.handleStudioPublish)
	studio.GET("/courses/:id/scorm", s.handleStudioScormAddForm) // SCORM package into an existing course (web/scorm.go)
	studio.POST("/courses/:id/scorm", s.handleStudioScormAdd)
	studio.POST("/courses/:id/archive", s.handleStudioArchive)
	studio.GET("/courses/:id/lessons/:lid/quiz", s.handleQuizEditor)
	studio.POST("/courses/:id/lessons/:lid/quiz", s.handleQuizSettings)
	studio.POST("/courses/:id/lessons/:lid/quiz/preview", s.handleQuizPreview)
	studio.POST("/courses/:id/lessons/:lid/quiz/questions", s.handleQuizQuestionAdd)
	studio.GET("/courses/:id/lessons/:lid/quiz/questions/:qid", s.handleQuizQuestionForm)
	studio.POST("/courses/:id/lessons/:lid/quiz/questions/:qid", s.handleQuizQuestionSave)
	studio.POST("/courses/:id/lessons/:lid/quiz/questions/:qid/move", s.handleQuizQuestionMove)
	studio.POST("/courses/:id/lessons/:lid/quiz/questions/:qid/delete", s.handleQuizQuestionDelete)
	studio.GET(strings.TrimPrefix(mediaUploadRoute, "/studio"), s.handleMediaPage)
	studio.POST(strings.TrimPrefix(mediaUploadRoute, "/studio"), s.handleMediaUpload) // own body limit: web/uploads.go
	studio.POST("/courses/:id/lessons/:lid/media/transcript", s.handleMediaTranscript)
	studio.POST("/courses/:id/lessons/:lid/media/captions/:lang", s.handleMediaCaptions)
	studio.GET("/courses/:id/cohorts", s.handleStudioCohorts)
	studio.POST("/courses/:id/cohorts", s.handleStudioCohortCreate)
	studio.POST("/courses/:id/cohorts/:cid", s.handleStudioCohortUpdate)
	studio.GET("/courses/:id/analytics", s.handleStudioAnalytics)
	studio.GET("/courses/:id/export", s.handleStudioExport)
	studio.GET("/import", s.handleStudioImportForm)
	studio.POST("/import", s.handleStudioImport)
	studio.GET("/paths", s.handleStudioPaths)
	studio.GET("/paths/new", s.handleStudioPathNew)
	studio.POST("/paths/new", s.handleStudioPathCreate)
	studio.GET("/paths/:id", s.handleStudioPath)
	studio.POST("/paths/:id", s.handleStudioPathSave)
	// xAPI LRS clients (issue 17): admins and instructors of THAT provider (xapiMembership, else 404).
	studio.GET("/xapi", s.handleStudioXAPI)
	studio.GET("/providers/:id/xapi", s.handleXAPIClients(xapiAtStudio))
	studio.POST("/providers/:id/xapi", s.handleXAPIClientCreate(xapiAtStudio))
	studio.POST("/providers/:id/xapi/:cid/revoke", s.handleXAPIClientRevoke(xapiAtStudio))
	// API clients (issue 19): admins of THAT training provider (apiClientsAccess, else 404); the same
	// handlers and page as /org/:id/api-clients (web/apiclients.go).
	studio.GET("/api-clients", s.handleStudioAPIClients)
	studio.GET("/providers/:id/api-clients", s.handleAPIClients(apiAtStudio))
	studio.POST("/providers/:id/api-clients", s.handleAPIClientCreate(apiAtStudio))
	studio.POST("/providers/:id/api-clients/:cid/rotate", s.handleAPIClientRotate(apiAtStudio))
	studio.POST("/providers/:id/api-clients/:cid/revoke", s.handleAPIClientRevoke(apiAtStudio))

	// --- organisation admin (/org): members and invitations, bulk enrolment, roster, credentials, logo ---
	// Org admins (requireOrgAdmin); handlers check admin of THAT
	// organisation (else 404), and the domain checks again. Every roster
	// view and export is audited.
	orgs := e.Group("/org", requireOrgAdmin, refusePrefetch)
	orgs.GET("", s.handleOrgIndex)
	orgs.GET("/:id", s.handleOrgShow)
	orgs.POST("/:id/invitations", s.handleOrgInvite)
	orgs.POST("/:id/invitations/:invID/revoke", s.handleOrgInvitationRevoke)
	orgs.POST("/:id/invitations/:invID/resend", s.handleOrgInvitationResend)
	orgs.POST("/:id/members/:userID/role", s.handleOrgMemberRole)
	orgs.POST("/:id/members/:userID/remove", s.handleOrgMemberRemove)
	orgs.GET("/:id/enrolments", s.handleBulkForm)
	orgs.POST(strings.TrimPrefix(bulkDryRunRoute, "/org"), s.handleBulkDryRun) // own body limit: web/uploads.go
	orgs.GET("/:id/enrolments/dry-run/:sha/errors.csv", s.handleBulkErrorsCSV)
	orgs.POST("/:id/enrolments/import", s.handleBulkImport)
	orgs.GET("/:id/enrolments/imports/:importID", s.handleBulkProgress)
	orgs.GET("/:id/roster", s.handleRoster)
	orgs.GET("/:id/roster.csv", s.handleRosterCSV)
	orgs.POST("/:id/roster/invitations/:invID/resend", s.handleRosterResend)
	orgs.GET("/:id/credentials", s.handleOrgCredentials)
	orgs.GET("/:id/credentials/:cid/revoke", s.handleOrgRevokeForm)
	orgs.POST("/:id/credentials/:cid/revoke", s.handleOrgRevoke)
	orgs.GET("/:id/logo", s.handleOrgLogo)
	orgs.POST("/:id/logo", s.handleOrgLogoUpload)
	// xAPI LRS clients (issue 17): admins of THAT organisation (xapiMembership, else 404).
	orgs.GET("/:id/xapi", s.handleXAPIClients(xapiAtOrg))
	orgs.POST("/:id/xapi", s.handleXAPIClientCreate(xapiAtOrg))
	orgs.POST("/:id/xapi/:cid/revoke", s.handleXAPIClientRevoke(xapiAtOrg))
	// API clients (issue 19): the secret is shown once, on the answer to
	// create or rotate (web/apiclients.go).
	orgs.GET("/:id/api-clients", s.handleAPIClients(apiAtOrg))
	orgs.POST("/:id/api-clients", s.handleAPIClientCreate(apiAtOrg))
	orgs.POST("/:id/api-clients/:cid/rotate", s.handleAPIClientRotate(apiAtOrg))
	orgs.POST("/:id/api-clients/:cid/revoke", s.handleAPIClientRevoke(apiAtOrg))
	orgs.POST("/:id/webhooks", s.handleWebhookCreate) // the signing secret is shown once, on this answer
	orgs.GET("/:id/webhooks/:wid", s.handleWebhook)   // the endpoint's delivery log
	orgs.POST("/:id/webhooks/:wid/disable", s.handleWebhookDisable)
	orgs.POST("/:id/webhooks/:wid/deliveries/:did/replay", s.handleWebhookReplay)
	orgs.POST("/:id/xapi/forward", s.handleXAPIForwardSave) // forwarding to the org's LRS (web/xapi_forward.go), admins of THAT org

	// --- ministry dashboard (/ministry) ---
	// Analysts and platform admins (requireAnalyst); aggregates only.
	ministry := e.Group("/ministry", requireAnalyst)
	ministry.GET("", s.handleMinistry)
	ministry.GET("/export", s.handleMinistryExport)

	// --- platform admin (/admin): organisations, users, audit, skills, credentials, programmes ---
	// Platform admins (requirePlatformAdmin); the credential domain checks
	// revocation again.
	admin := e.Group("/admin", requirePlatformAdmin, refusePrefetch)
	admin.GET("", s.handleAdminOverview)
	admin.GET("/orgs", s.handleAdminOrgs)
	admin.GET("/orgs/new", s.handleAdminOrgNew)
	admin.POST("/orgs/new", s.handleAdminOrgCreate)
	admin.GET("/orgs/:id", s.handleAdminOrgShow)
	admin.POST("/orgs/:id/invitations", s.handleAdminOrgInvite)
	admin.POST("/orgs/:id/members/:userID/analyst", s.handleAdminOrgAnalyst)
	admin.POST("/orgs/:id/code", s.handleAdminOrgCode)
	admin.GET("/users", s.handleAdminUsers)
	admin.POST("/users/:id/disable", s.handleAdminUserDisable)
	admin.POST("/users/:id/enable", s.handleAdminUserEnable)
	admin.GET("/audit", s.handleAdminAudit)
	admin.POST("/audit/verify", s.handleAdminAuditVerify)
	admin.GET("/skills", s.handleSkills)
	admin.POST("/skills", s.handleSkillCreate)
	admin.GET("/skills/:code", s.handleSkillEdit)
	admin.POST("/skills/:code", s.handleSkillUpdate)
	admin.GET("/credentials", s.handleAdminCredentials)
	admin.GET("/credentials/:cid/revoke", s.handleAdminRevokeForm)
	admin.POST("/credentials/:cid/revoke", s.handleAdminRevoke)
	admin.GET("/programmes", s.handleAdminProgrammes)
	admin.GET("/programmes/new", s.handleAdminProgrammeNew)
	admin.POST("/programmes/new", s.handleAdminProgrammeCreate)
	admin.GET("/programmes/:id", s.handleAdminProgramme)
	admin.POST("/programmes/:id", s.handleAdminProgrammeSave)
	// Partner issuers (issue 19, web/partners.go).
	admin.GET("/partners", s.handleAdminPartners)
	admin.POST("/partners", s.handleAdminPartnerCreate)
	admin.GET("/partners/:id", s.handleAdminPartner)
	admin.POST("/partners/:id/achievements", s.handleAdminPartnerMap)
	admin.POST("/partners/:id/document", s.handleAdminPartnerDocument)
	admin.POST("/partners/:id/status-list", s.handleAdminPartnerStatusList)
	admin.POST("/partners/credentials/:cid/revoke", s.handleAdminPartnerRevoke)
	// xAPI LRS clients of any organisation (issue 17).
	admin.GET("/orgs/:id/xapi", s.handleXAPIClients(xapiAtAdmin))
	admin.POST("/orgs/:id/xapi", s.handleXAPIClientCreate(xapiAtAdmin))
	admin.POST("/orgs/:id/xapi/:cid/revoke", s.handleXAPIClientRevoke(xapiAtAdmin))

	// --- single sign-on per organisation (issue 18, web/sso.go) ---
	// Public: the email's domain routes to the provider; the callback's
	// access rule is the state in this browser's session (a GET from the
	// provider: no CSRF token); the domain link's token is its access rule.
	e.GET("/login/sso", s.handleSSOLoginForm)
	e.POST("/login/sso", s.handleSSOLogin)
	e.GET("/sso/oidc/callback", s.handleSSOCallback)
	e.GET("/sso/saml/:org/metadata", s.handleSAMLMetadata) // public: the SP's metadata
	e.POST("/sso/saml/:org/acs", s.handleSAMLACS)          // the signed response is the access rule; no CSRF token
	e.GET("/sso/domains/confirm", s.handleSSODomainConfirmForm)
	e.POST("/sso/domains/confirm", s.handleSSODomainConfirm)
	// Org admins of THAT organisation (the sso domain answers 404 otherwise).
	orgs.GET("/:id/sso", s.handleSSOSettings)
	orgs.POST("/:id/sso/domains", s.handleSSODomainRequest)
	orgs.POST("/:id/sso/provider", s.handleSSOProviderSave)
	orgs.POST("/:id/sso/saml", s.handleSSOSAMLSave)
	// Platform admins approve confirmed domains.
	admin.GET("/sso", s.handleAdminSSO)
	admin.POST("/sso/domains/:id/approve", s.handleAdminSSOApprove)
	// Provisioning tokens, shown once (org admins of THAT organisation).
	orgs.POST("/:id/sso/scim-tokens", s.handleSCIMTokenCreate)
	orgs.POST("/:id/sso/scim-tokens/:tokenID/revoke", s.handleSCIMTokenRevoke)
	// SCIM 2.0 (web/scim.go): the organisation's bearer token is the access
	// rule (requireSCIMToken); no cookies, so no CSRF token.
	scim := e.Group("/scim/v2", s.requireSCIMToken)
	scim.GET("/ServiceProviderConfig", s.handleSCIMServiceProviderConfig)
	scim.GET("/Users", s.handleSCIMUsers)
	scim.POST("/Users", s.handleSCIMUserCreate)
	scim.GET("/Users/:id", s.handleSCIMUserGet)
	scim.PUT("/Users/:id", s.handleSCIMUserPut)
	scim.PATCH("/Users/:id", s.handleSCIMUserPatch)
	scim.DELETE("/Users/:id", s.handleSCIMUserDelete)
	scim.GET("/ResourceTypes", s.handleSCIMResourceTypes) // discovery: web/scim_schema.go
	scim.GET("/ResourceTypes/:id", s.handleSCIMResourceType)
	scim.GET("/Schemas", s.handleSCIMSchemas)
	scim.GET("/Schemas/:id", s.handleSCIMSchema)
}

// handleFavicon serves the site icon from the embedded static tree at the
// address browsers ask for without being told (a 404 there fills logs).
func handleFavicon(c echo.Context) error {
	b, err := static.FS.ReadFile("img/favicon.ico")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/vnd.microsoft.icon", b)
}

func staticHandler(fsys http.FileSystem) http.Handler {
	files := http.FileServer(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
