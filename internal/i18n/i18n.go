// Package i18n holds Takumi's message catalogues: every string a person reads,
// in Japanese (the default) and English. Catalogues are JSON files under
// locales/<lang>/, one file per area, merged at start; a key defined twice or
// missing from one language is an error caught by the tests.
//
// A language whose nouns change with their number (English: "1 course",
// "2 courses") gives the form for one as key + OneSuffix ("catalogue.
// result_count#one"): T uses it when its first argument is the integer 1.
// Japanese needs none, and a language may have such a form without the
// others having it; its key without the suffix must exist.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strings"
)

// Supported languages, default first.
var Languages = []string{"ja", "en"}

// Default is the language used when nothing else is chosen.
const Default = "ja"

//go:embed locales
var localeFS embed.FS

// OneSuffix marks the form of a message for the number one (see the
// package comment).
const OneSuffix = "#one"

// Catalog maps language -> key -> message.
type Catalog struct {
	messages map[string]map[string]string
}

// Load reads the embedded catalogues.
func Load() (*Catalog, error) {
	c := &Catalog{messages: map[string]map[string]string{}}
	for _, lang := range Languages {
		c.messages[lang] = map[string]string{}
		files, err := fs.Glob(localeFS, path.Join("locales", lang, "*.json"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := localeFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := c.messages[lang][k]; dup {
					return nil, fmt.Errorf("%s: key %q defined twice", f, k)
				}
				c.messages[lang][k] = v
			}
		}
	}
	return c, nil
}

// MustLoad is Load for program start, where a broken catalogue is a bug.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Missing lists keys present in one language and absent in another, and
// forms for one (OneSuffix) whose message is absent from their language.
func (c *Catalog) Missing() []string {
	var out []string
	for _, a := range Languages {
		for k := range c.messages[a] {
			if base, ok := strings.CutSuffix(k, OneSuffix); ok {
				if _, ok := c.messages[a][base]; !ok {
					out = append(out, a+": "+base+" (of "+k+")")
				}
				continue
			}
			for _, b := range Languages {
				if _, ok := c.messages[b][k]; !ok {
					out = append(out, b+": "+k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists in the default language.
func (c *Catalog) Has(key string) bool {
	_, ok := c.messages[Default][key]
	return ok
}

// Keys returns every key of the default language, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.messages[Default]))
	for k := range c.messages[Default] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Localizer translates for one language.
type Localizer struct {
	Lang string
	c    *Catalog
}

// For returns a Localizer for lang (the default when lang is unsupported).
func (c *Catalog) For(lang string) Localizer {
	if !Supported(lang) {
		lang = Default
	}
	return Localizer{Lang: lang, c: c}
}

// T returns the message for key, formatted with args (fmt verbs; use %[2]s to
// reorder); its form for one (OneSuffix) when the language has one and the
// first argument is the integer 1. An unknown key is returned as itself, in
// brackets, so it shows in tests and reviews rather than silently vanishing.
func (l Localizer) T(key string, args ...any) string {
	msg, ok := l.c.messages[l.Lang][key]
	if !ok {
		msg, ok = l.c.messages[Default][key]
	}
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return msg
	}
	if isOne(args[0]) {
		if one, ok := l.c.messages[l.Lang][key+OneSuffix]; ok {
			msg = one
		}
	}
	return fmt.Sprintf(msg, args...)
}

// isOne reports whether v is an integer (of any size) equal to 1.
func isOne(v any) bool {
	r := reflect.ValueOf(v)
	switch {
	case r.CanInt():
		return r.Int() == 1
	case r.CanUint():
		return r.Uint() == 1
	}
	return false
}

// Pick returns ja when the language is Japanese, else en (falling back to ja
// when en is empty): for data that carries both names, such as prefectures.
func (l Localizer) Pick(ja, en string) string { return Pick(l.Lang, ja, en) }
