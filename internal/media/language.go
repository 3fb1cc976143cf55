package media

import (
	_ "embed"
	"strings"
	"sync"
)

// languages.txt is ISO 639-2 as Jellyfin's localization manager knows it:
// the languages that have a two-letter code (Debian's iso-codes data), one
// a line as "T-code|B-code|two-letter code|English name", and the regional
// entries Jellyfin adds (pt-br, zh-cn, es-419, ...), which it stores by
// their regional code rather than a three-letter one.
//
//go:embed languages.txt
var languagesTxt string

// Language is one entry of the language table.
type Language struct {
	Codes []string // three-letter codes: ISO 639-2/T first, then /B if it differs
	Short string   // two-letter or regional code: "en", "pt-br"
	Name  string   // English name: "English", "Spanish; Castilian"
}

var (
	langOnce  sync.Once
	langTable []Language
)

func languages() []Language {
	langOnce.Do(func() {
		for line := range strings.SplitSeq(strings.TrimSpace(languagesTxt), "\n") {
			f := strings.Split(line, "|")
			if len(f) != 4 {
				continue
			}
			l := Language{Codes: []string{f[0]}, Short: f[2], Name: f[3]}
			if f[1] != "" {
				l.Codes = append(l.Codes, f[1])
			}
			langTable = append(langTable, l)
		}
	})
	return langTable
}

// Code is what Jellyfin stores for the language (MediaStreamInfos.Language
// of an external file): the regional code when there is one, else the
// ISO 639-2/T code, so "en" is stored "eng" and "fre" is stored "fra".
func (l *Language) Code() string {
	if strings.Contains(l.Short, "-") {
		return l.Short
	}
	return l.Codes[0]
}

// DisplayName is the language's name as players show it: "Spanish" for
// "Spanish; Castilian".
func (l *Language) DisplayName() string {
	n, _, _ := strings.Cut(l.Name, ";")
	return strings.TrimSpace(n)
}

// FindLanguage finds s as Jellyfin's FindLanguageInfo does: the first entry
// whose name, regional code, three-letter code or two-letter code is s, in
// any case. It returns nil for anything else ("forced", "Director's Cut").
func FindLanguage(s string) *Language {
	if s == "" {
		return nil
	}
	t := languages()
	for i := range t {
		l := &t[i]
		if strings.EqualFold(s, l.Name) || strings.EqualFold(s, l.Short) {
			return l
		}
		for _, c := range l.Codes {
			if strings.EqualFold(s, c) {
				return l
			}
		}
	}
	return nil
}

// LanguageDisplayName names a stored language code ("eng", "pt-br", "ger")
// for a stream's DisplayTitle, or returns "" when the code is unknown.
func LanguageDisplayName(code string) string {
	if l := FindLanguage(code); l != nil && !strings.EqualFold(code, l.Name) {
		return l.DisplayName()
	}
	return ""
}
