package media

import (
	"strings"
	"unicode"
)

// ValidateUserName applies Jellyfin's rule for user names (UserManager's
// ValidUsernameRegex): letters, digits, marks, connector punctuation, and
// the characters space - ' . _ @ +, with no leading or trailing space. The
// web client, the CLI and the API all go through it, so a name jellyha
// accepts is one Jellyfin accepts too.
func ValidateUserName(name string) error {
	if name == "" || strings.TrimSpace(name) != name {
		return Errorf(EINVALID, "a user name must not be empty or begin or end with a space")
	}
	for _, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r), unicode.Is(unicode.Pc, r):
		case strings.ContainsRune(" -'._@+", r):
		default:
			return Errorf(EINVALID, "user names can contain letters, numbers, spaces, dashes (-), underscores (_), apostrophes ('), periods (.), at signs (@) and plus signs (+); %q has %q", name, r)
		}
	}
	return nil
}
