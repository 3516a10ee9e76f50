package i18n

import "strings"

// Text is a bilingual text held by Takumi's data: Japanese always, English
// when the author gave it. It is the one type for names, titles and
// descriptions that exist in both languages; gorm maps it with
// `gorm:"embedded;embeddedPrefix:title_"` onto title_ja and title_en.
type Text struct {
	Ja string
	En string
}

// In returns the text in lang, falling back to Japanese when there is no
// English.
func (t Text) In(lang string) string { return Pick(lang, t.Ja, t.En) }

// Pick returns en when lang is English and en is not blank, else ja. It is
// the one rule for choosing between two language columns; prefer Text.In
// where the pair is held as a Text.
func Pick(lang, ja, en string) string {
	if lang == "en" && strings.TrimSpace(en) != "" {
		return en
	}
	return ja
}
