package studio

import (
	"takumi/internal/catalog"
	"takumi/views"
)

// NewCourseHeadOf is NewCourseHead from the head of the latest revision
// (catalog.CourseHead) instead of the whole revision: for pages that do
// not show the draft's content.
func NewCourseHeadOf(p views.Page, c *catalog.Course, rev *catalog.RevisionHead) CourseHead {
	h := CourseHead{ID: c.ID, Code: c.Code, Status: c.Status, Title: rev.Title(p.Lang()),
		LockVersion: rev.EditLockVersion(), UpdatedAt: rev.UpdatedAt}
	if c.PublishedRevision != nil {
		h.PublishedRevision = *c.PublishedRevision
	}
	if rev.IsDraft() {
		h.DraftNumber = rev.Number
	}
	return h
}
