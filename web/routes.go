package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"takumi/static"
)

// routes is the one route table. Every route's access rule is visible here:
// public, requireUser, requireOrgAdmin or requirePlatformAdmin (handlers then
// check ownership of the specific organisation or record).
func (s *Server) routes() {
	e := s.echo

	// Infrastructure.
	e.GET("/healthz", s.handleHealthz)
	e.GET("/readyz", s.handleReadyz)
	e.GET("/metrics", s.handleMetrics())
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", staticHandler(http.FS(static.FS)))))

	// Public pages.
	e.GET("/", s.handleHome)
	e.POST("/language", s.handleLanguage)
	e.GET("/privacy", s.handlePrivacy)
	// --- public catalogue (/courses) ---
	e.GET("/courses", s.handleCatalogue)
	e.GET("/courses/:provider/:code", s.handleCourseShow)

	// --- authoring studio (/studio): courses, details, structure, reading lessons, publishing ---
	// Instructors and admins of a training provider (requireAuthor); the
	// catalog domain answers 404 for other providers' courses.
	e.GET("/studio", s.handleStudioCourses, s.requireAuthor)
	e.GET("/studio/courses/new", s.handleStudioCourseNew, s.requireAuthor)
	e.POST("/studio/courses/new", s.handleStudioCourseCreate, s.requireAuthor)
	e.POST("/studio/preview", s.handleStudioPreview, s.requireAuthor)
	e.GET("/studio/courses/:id", s.handleStudioCourse, s.requireAuthor)
	e.GET("/studio/courses/:id/details", s.handleStudioDetails, s.requireAuthor)
	e.POST("/studio/courses/:id/details", s.handleStudioDetailsSave, s.requireAuthor)
	e.POST("/studio/courses/:id/modules", s.handleStudioModuleAdd, s.requireAuthor)
	e.POST("/studio/courses/:id/modules/:mid", s.handleStudioModuleRename, s.requireAuthor)
	e.POST("/studio/courses/:id/modules/:mid/move", s.handleStudioModuleMove, s.requireAuthor)
	e.GET("/studio/courses/:id/modules/:mid/delete", s.handleStudioModuleDeleteConfirm, s.requireAuthor)
	e.POST("/studio/courses/:id/modules/:mid/delete", s.handleStudioModuleDelete, s.requireAuthor)
	e.POST("/studio/courses/:id/modules/:mid/lessons", s.handleStudioLessonAdd, s.requireAuthor)
	e.GET("/studio/courses/:id/lessons/:lid", s.handleStudioLesson, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid", s.handleStudioLessonSave, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/move", s.handleStudioLessonMove, s.requireAuthor)
	e.GET("/studio/courses/:id/lessons/:lid/delete", s.handleStudioLessonDeleteConfirm, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/delete", s.handleStudioLessonDelete, s.requireAuthor)
	e.GET("/studio/courses/:id/publish", s.handleStudioPublishPage, s.requireAuthor)
	e.POST("/studio/courses/:id/publish", s.handleStudioPublish, s.requireAuthor)
	e.POST("/studio/courses/:id/archive", s.handleStudioArchive, s.requireAuthor)

	// --- studio: quizzes and uploaded media ---
	// Authors only (requireAuthor); the catalog domain answers 404 for
	// other providers' courses and for lessons of another kind.
	e.GET("/studio/courses/:id/lessons/:lid/quiz", s.handleQuizEditor, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/quiz", s.handleQuizSettings, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/quiz/preview", s.handleQuizPreview, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/quiz/questions", s.handleQuizQuestionAdd, s.requireAuthor)
	e.GET("/studio/courses/:id/lessons/:lid/quiz/questions/:qid", s.handleQuizQuestionForm, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/quiz/questions/:qid", s.handleQuizQuestionSave, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/quiz/questions/:qid/move", s.handleQuizQuestionMove, s.requireAuthor)
	e.POST("/studio/courses/:id/lessons/:lid/quiz/questions/:qid/delete", s.handleQuizQuestionDelete, s.requireAuthor)
	e.GET(mediaUploadRoute, s.handleMediaPage, s.requireAuthor)
	e.POST(mediaUploadRoute, s.handleMediaUpload, s.requireAuthor) // own body limit: web/uploads.go
	e.POST("/studio/courses/:id/lessons/:lid/media/transcript", s.handleMediaTranscript, s.requireAuthor)
	// Public route: the domain allows editors of the provider, and everyone
	// else only files of a published course's current revision (else 404).
	e.GET(mediaServeRoute, s.handleMediaServe)

	// --- studio: export and import ---

	// --- learning: enrolment, my learning (/learn), course player, history ---
	// Signed-in learners (requireUser); the learning domain answers 404 for
	// anyone else's enrolment and for lessons not in the course.
	e.POST("/learn/enrol", s.handlePlayerEnrol, requireUser)
	e.GET("/learn", s.handlePlayerMyLearning, requireUser)
	e.GET("/learn/history", s.handlePlayerHistory, requireUser)
	e.GET("/learn/:enrolment", s.handlePlayerCourse, requireUser)
	e.GET("/learn/:enrolment/withdraw", s.handlePlayerWithdrawConfirm, requireUser)
	e.POST("/learn/:enrolment/withdraw", s.handlePlayerWithdraw, requireUser)
	e.GET("/learn/:enrolment/lessons/:lesson", s.handlePlayerLesson, requireUser)
	e.POST("/learn/:enrolment/lessons/:lesson/heartbeat", s.handlePlayerHeartbeat, requireUser)
	e.POST("/learn/:enrolment/lessons/:lesson/complete", s.handlePlayerComplete, requireUser)

	// --- learning: quizzes in the player, privacy rights (export, delete account) ---
	// requireUser; the learning domain answers 404 for another person's
	// enrolment or attempt and for lessons that are not a quiz of the course.
	e.GET("/learn/:enrolment/quiz/:lesson", s.handleQuizplayIntro, requireUser)
	e.POST("/learn/:enrolment/quiz/:lesson/start", s.handleQuizplayStart, requireUser)
	e.GET("/learn/:enrolment/quiz/:lesson/attempts/:attempt", s.handleQuizplayAttempt, requireUser)
	e.POST("/learn/:enrolment/quiz/:lesson/attempts/:attempt", s.handleQuizplaySubmit, requireUser)
	// The signed-in person's own data only.
	e.GET("/account/privacy", s.handlePrivacyRights, requireUser)
	e.GET("/account/privacy/export", s.handlePrivacyExport, requireUser)
	e.GET("/account/privacy/delete", s.handlePrivacyDeleteForm, requireUser)
	e.POST("/account/privacy/delete", s.handlePrivacyDelete, requireUser)
	// Public: shows only to the browser that has just deleted its account.
	e.GET("/account/privacy/deleted", s.handlePrivacyDeleted)

	// --- learning: cohorts (studio sessions), seats and waitlist ---
	// Studio: authors only (requireAuthor); the catalog domain answers 404
	// for other providers' courses, the learning domain for sessions of
	// another course. Enrolling: any signed-in learner, for themselves.
	e.GET("/studio/courses/:id/cohorts", s.handleStudioCohorts, s.requireAuthor)
	e.POST("/studio/courses/:id/cohorts", s.handleStudioCohortCreate, s.requireAuthor)
	e.POST("/studio/courses/:id/cohorts/:cid", s.handleStudioCohortUpdate, s.requireAuthor)
	e.POST("/learn/cohorts/:cid/enrol", s.handleCohortEnrol, requireUser)

	// --- organisation: bulk enrolment by CSV, roster, integrity flags ---
	// Bulk enrolment: org admins (requireOrgAdmin); handlers check admin of
	// THAT organisation (else 404), and the domain checks again.
	e.GET("/org/:id/enrolments", s.handleBulkForm, requireOrgAdmin)
	e.POST(bulkDryRunRoute, s.handleBulkDryRun, requireOrgAdmin) // own body limit: web/uploads.go
	e.GET("/org/:id/enrolments/dry-run/:sha/errors.csv", s.handleBulkErrorsCSV, requireOrgAdmin)
	e.POST("/org/:id/enrolments/import", s.handleBulkImport, requireOrgAdmin)
	e.GET("/org/:id/enrolments/imports/:importID", s.handleBulkProgress, requireOrgAdmin)

	// Roster: org admins (requireOrgAdmin), and handlers check admin of THAT
	// organisation (else 404); every view and export is audited.
	e.GET("/org/:id/roster", s.handleRoster, requireOrgAdmin)
	e.GET("/org/:id/roster.csv", s.handleRosterCSV, requireOrgAdmin)

	// --- credentials: the learner's wallet and printable certificate ---
	// requireUser; the handlers show only the signed-in learner's own
	// credentials (someone else's id answers 404).
	e.GET("/learn/credentials", s.handleWallet, requireUser)
	e.GET("/learn/credentials/:id/certificate", s.handleCertificate, requireUser)

	// --- credentials: public verification (no login), issuer DID, status lists ---
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

	// --- credentials: revocation by the issuing provider's admins and platform admins ---
	// requireOrgAdmin: handlers check admin of THAT provider (else 404) and
	// the credential domain checks again; requirePlatformAdmin for /admin.
	e.GET("/org/:id/credentials", s.handleOrgCredentials, requireOrgAdmin)
	e.GET("/org/:id/credentials/:cid/revoke", s.handleOrgRevokeForm, requireOrgAdmin)
	e.POST("/org/:id/credentials/:cid/revoke", s.handleOrgRevoke, requireOrgAdmin)
	e.GET("/admin/credentials", s.handleAdminCredentials, requirePlatformAdmin)
	e.GET("/admin/credentials/:cid/revoke", s.handleAdminRevokeForm, requirePlatformAdmin)
	e.POST("/admin/credentials/:cid/revoke", s.handleAdminRevoke, requirePlatformAdmin)

	// --- learning paths: authoring (studio) and the public path page ---
	// requireAuthor; the catalog domain answers 404 for other providers' paths.
	e.GET("/studio/paths", s.handleStudioPaths, s.requireAuthor)
	e.GET("/studio/paths/new", s.handleStudioPathNew, s.requireAuthor)
	e.POST("/studio/paths/new", s.handleStudioPathCreate, s.requireAuthor)
	e.GET("/studio/paths/:id", s.handleStudioPath, s.requireAuthor)
	e.POST("/studio/paths/:id", s.handleStudioPathSave, s.requireAuthor)
	e.GET("/paths/:provider/:code", s.handlePathShow)

	// --- studio: course analytics for instructors ---
	// Authors only; the catalog domain answers 404 for other providers' courses.
	e.GET("/studio/courses/:id/analytics", s.handleStudioAnalytics, s.requireAuthor)
	// Authors only; Export and Import refuse other providers' courses (not_found).
	e.GET("/studio/courses/:id/export", s.handleStudioExport, s.requireAuthor)
	e.GET("/studio/import", s.handleStudioImportForm, s.requireAuthor)
	e.POST("/studio/import", s.handleStudioImport, s.requireAuthor)
	// --- national progress (public, no login): page, methodology, open data ---
	e.GET("/progress", s.handleProgress)
	e.GET("/progress/methodology", s.handleMethodology)
	e.GET("/progress/data.json", s.handleProgressJSON)
	e.GET("/progress/data.csv", s.handleProgressCSV)

	// --- ministry dashboard (analysts; aggregates only) and programmes (platform admins) ---
	e.GET("/ministry", s.handleMinistry, requireAnalyst)
	e.GET("/ministry/export", s.handleMinistryExport, requireAnalyst)
	e.GET("/admin/programmes", s.handleAdminProgrammes, requirePlatformAdmin)
	e.GET("/admin/programmes/new", s.handleAdminProgrammeNew, requirePlatformAdmin)
	e.POST("/admin/programmes/new", s.handleAdminProgrammeCreate, requirePlatformAdmin)
	e.GET("/admin/programmes/:id", s.handleAdminProgramme, requirePlatformAdmin)
	e.POST("/admin/programmes/:id", s.handleAdminProgrammeSave, requirePlatformAdmin)

	// Development only: the mailbox of every email sent.
	if !s.Config.Production() {
		e.GET("/dev/mailbox", s.handleDevMailbox)
	}

	// --- sign-up, email verification, password reset (account flows) ---
	// All public: the link token or the neutral answer is the access rule.
	e.GET("/signup", s.handleSignupForm)
	e.POST("/signup", s.handleSignup)
	e.GET("/verify-email", s.handleVerifyEmail)
	e.GET("/verify-email/resend", s.handleResendVerificationForm)
	e.POST("/verify-email/resend", s.handleResendVerification)
	e.GET("/password/forgot", s.handleForgotPasswordForm)
	e.POST("/password/forgot", s.handleForgotPassword)
	e.GET("/password/reset", s.handleResetPasswordForm)
	e.POST("/password/reset", s.handleResetPassword)

	// --- sign-in, sign-out, two-factor, account page ---
	e.GET("/login", s.handleLoginForm)
	e.POST("/login", s.handleLogin)
	e.GET("/login/2fa", s.handleLoginTwoFactorForm)
	e.POST("/login/2fa", s.handleLoginTwoFactor)
	e.POST("/logout", s.handleLogout)
	e.GET("/account", s.handleAccount, requireUser)
	e.POST("/account", s.handleAccountProfile, requireUser)
	e.POST("/account/password", s.handleAccountPassword, requireUser)
	e.GET("/account/2fa", s.handleTwoFactorPage, requireUser)
	e.POST("/account/2fa", s.handleTwoFactorConfirm, requireUser)
	e.POST("/account/2fa/disable", s.handleTwoFactorDisable, requireUser)
	e.POST("/account/2fa/recovery", s.handleTwoFactorRecovery, requireUser)

	// --- platform admin (/admin) ---
	admin := e.Group("/admin", requirePlatformAdmin)
	admin.GET("", s.handleAdminOverview)
	admin.GET("/orgs", s.handleAdminOrgs)
	admin.GET("/orgs/new", s.handleAdminOrgNew)
	admin.POST("/orgs/new", s.handleAdminOrgCreate)
	admin.GET("/orgs/:id", s.handleAdminOrgShow)
	admin.POST("/orgs/:id/invitations", s.handleAdminOrgInvite)
	admin.POST("/orgs/:id/members/:userID/analyst", s.handleAdminOrgAnalyst)
	admin.GET("/users", s.handleAdminUsers)
	admin.POST("/users/:id/disable", s.handleAdminUserDisable)
	admin.POST("/users/:id/enable", s.handleAdminUserEnable)
	admin.GET("/audit", s.handleAdminAudit)
	admin.POST("/audit/verify", s.handleAdminAuditVerify)
	admin.GET("/skills", s.handleSkills)
	admin.POST("/skills", s.handleSkillCreate)
	admin.GET("/skills/:code", s.handleSkillEdit)
	admin.POST("/skills/:code", s.handleSkillUpdate)
	admin.POST("/orgs/:id/code", s.handleAdminOrgCode)

	// --- organisation admin (/org) and invitations ---
	orgs := e.Group("/org", requireOrgAdmin) // handlers check admin of THAT organisation
	orgs.GET("", s.handleOrgIndex)
	orgs.GET("/:id", s.handleOrgShow)
	orgs.POST("/:id/invitations", s.handleOrgInvite)
	orgs.POST("/:id/invitations/:invID/revoke", s.handleOrgInvitationRevoke)
	orgs.POST("/:id/invitations/:invID/resend", s.handleOrgInvitationResend)
	orgs.POST("/:id/members/:userID/role", s.handleOrgMemberRole)
	orgs.POST("/:id/members/:userID/remove", s.handleOrgMemberRemove)
	e.GET("/invitations/:token", s.handleInvitationShow)
	e.POST("/invitations/:token/accept", s.handleInvitationAccept, requireUser)
}

func staticHandler(fsys http.FileSystem) http.Handler {
	files := http.FileServer(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
