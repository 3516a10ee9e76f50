package catalog

import (
	"context"
	"fmt"

	"takumi/internal/apperr"
	"takumi/internal/database"
	"takumi/internal/i18n"
)

// CourseCard is what a learner's pages (My learning, the player, the
// learner's course page) show of a course and its provider: the course's
// code, titles, hours, delivery mode and current published revision, and
// the provider's names. CourseCards reads it from courses and
// organisations, whatever the course's status (a learner keeps seeing an
// archived course they took); the player fills it from its own join.
type CourseCard struct {
	ID                string
	Code              string
	TitleJa, TitleEn  string
	EstimatedHours    float64
	DeliveryMode      string
	PublishedRevision *int
	ProviderID        string
	ProviderCode      *string
	ProviderNameJa    string
	ProviderNameEn    string
}

// Title returns the course title in lang, falling back to Japanese.
func (c *CourseCard) Title(lang string) string { return i18n.Pick(lang, c.TitleJa, c.TitleEn) }

// ProviderName returns the provider's name in lang, falling back to Japanese.
func (c *CourseCard) ProviderName(lang string) string {
	return i18n.Pick(lang, c.ProviderNameJa, c.ProviderNameEn)
}

// PublicPath is the course's public catalogue page.
func (c *CourseCard) PublicPath() string {
	ref := c.ProviderID
	if c.ProviderCode != nil && *c.ProviderCode != "" {
		ref = *c.ProviderCode
	}
	return "/courses/" + ref + "/" + c.Code
}

// CourseCardCacheSize bounds the course cards kept in memory (~400 bytes
// each; a national catalogue holds some thousands of courses).
const CourseCardCacheSize = 20_000

// cachedCard is a kept course card with the catalogue change signal's
// generation read before its query.
type cachedCard struct {
	gen  uint64
	card *CourseCard
}

// sqlCourseCards reads the cards of the courses $1 (an array of ids).
const sqlCourseCards = `SELECT c.id, c.code, coalesce(c.title_ja, ''), coalesce(c.title_en, ''),
       coalesce(c.estimated_hours, 0)::float8, coalesce(c.delivery_mode, ''), c.published_revision,
       o.id, o.code, o.name_ja, coalesce(o.name_en, '')
FROM courses c
JOIN organisations o ON o.id = c.provider_id
WHERE c.id = ANY(?::uuid[])`

// CourseCards returns the cards of the courses ids, by id (an id that names
// no course is absent). Cards come from memory while the catalogue change
// signal listens (signal.go: migration 00057's triggers notify every
// change of courses and organisations), the ones not there from the
// primary in one statement, and are kept with the generation read before
// that statement, as the course pages are (catalogue.go). Without the
// listener every card is read. The "My learning" page gets its courses'
// titles and providers here instead of joining courses and organisations
// for every card on every view (issue 20, docs/performance.md "My
// learning's courses from memory"). Shared with other requests:
// read-only. Errors: internal.
func (s *Service) CourseCards(ctx context.Context, ids []string) (map[string]*CourseCard, error) {
	out := make(map[string]*CourseCard, len(ids))
	gen, listening := s.signal.current()
	var missing []string
	for _, id := range ids {
		if listening {
			if e, ok := s.cards.Get(id); ok && e.gen == gen {
				out[id] = e.card
				continue
			}
		}
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := s.db.WithContext(ctx).Raw(sqlCourseCards, database.Array(missing)).Rows()
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		c := &CourseCard{}
		if err := rows.Scan(&c.ID, &c.Code, &c.TitleJa, &c.TitleEn, &c.EstimatedHours, &c.DeliveryMode, &c.PublishedRevision,
			&c.ProviderID, &c.ProviderCode, &c.ProviderNameJa, &c.ProviderNameEn); err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", fmt.Errorf("course card: %w", err))
		}
		out[c.ID] = c
		if listening {
			s.cards.Put(c.ID, cachedCard{gen: gen, card: c})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}
