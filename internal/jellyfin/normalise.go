package jellyfin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Jellyfin clients disagree on casing: Kodi lowercases some paths, the SDK
// writes /videos/... in TranscodingUrl, jellyfin-web's legacy client sends
// PascalCase query keys and the SDK camelCase ones. ASP.NET matches all of
// them; ServeMux matches exactly. The normaliser bridges the two before the
// mux sees the request:
//
//   - an optional /emby or /mediabrowser prefix is dropped (Emby-era
//     clients still send it);
//   - each static path segment is rewritten to the casing the route table
//     registered, while segments that fill a {value} keep theirs, so a
//     name or an id is never altered;
//   - query keys are folded to lower case; handlers read them through
//     query, which folds the name it is given the same way.

// segment is one part of a route pattern.
type segment struct {
	static string // the registered text, for a static segment
	wild   bool   // {name}: any one segment
	rest   bool   // {name...}: the remainder
}

type normaliser struct {
	patterns [][]segment
}

func newNormaliser(routes []route) *normaliser {
	n := &normaliser{}
	seen := map[string]bool{}
	for _, r := range routes {
		if seen[r.pattern] {
			continue
		}
		seen[r.pattern] = true
		var segs []segment
		for s := range strings.SplitSeq(strings.Trim(r.pattern, "/"), "/") {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}"):
				segs = append(segs, segment{rest: true})
			case strings.HasPrefix(s, "{"):
				segs = append(segs, segment{wild: true})
			default:
				segs = append(segs, segment{static: s})
			}
		}
		n.patterns = append(n.patterns, segs)
	}
	return n
}

// prefixes clients may put before the API's paths.
var prefixes = []string{"/emby", "/mediabrowser"}

func (n *normaliser) normalise(r *http.Request) {
	escaped := r.URL.EscapedPath()
	for _, p := range prefixes {
		if len(escaped) >= len(p) && strings.EqualFold(escaped[:len(p)], p) && (len(escaped) == len(p) || escaped[len(p)] == '/') {
			escaped = escaped[len(p):]
			break
		}
	}
	// ASP.NET ignores a trailing slash; ServeMux would not.
	escaped = strings.TrimRight(escaped, "/")
	if escaped == "" {
		escaped = "/"
	}
	if escaped != "/" {
		parts := strings.Split(escaped[1:], "/")
		if best := n.match(parts); best != nil {
			for i, s := range best {
				if s.rest {
					break
				}
				if !s.wild {
					parts[i] = s.static
				}
			}
			escaped = "/" + strings.Join(parts, "/")
		}
	}
	if path, err := url.PathUnescape(escaped); err == nil {
		r.URL.Path, r.URL.RawPath = path, escaped
		if path == escaped {
			r.URL.RawPath = ""
		}
	}
	if r.URL.RawQuery != "" {
		// Keys fold to lower case, their values kept in the order the
		// client sent them (Fields=A&fields=B is A then B). A malformed
		// pair is dropped, as ASP.NET does; the rest is kept.
		folded := url.Values{}
		for pair := range strings.SplitSeq(r.URL.RawQuery, "&") {
			if strings.Contains(pair, ";") {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			key, err1 := url.QueryUnescape(k)
			val, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil || key == "" {
				continue
			}
			lk := strings.ToLower(key)
			folded[lk] = append(folded[lk], val)
		}
		r.URL.RawQuery = folded.Encode()
	}
}

// match returns the pattern that fits the (escaped) path segments with the
// most static segments, so /users/me picks /Users/Me over /Users/{userId}.
func (n *normaliser) match(parts []string) []segment {
	var best []segment
	bestStatic := -1
	for _, segs := range n.patterns {
		static, ok := fits(segs, parts)
		if ok && static > bestStatic {
			best, bestStatic = segs, static
		}
	}
	return best
}

func fits(segs []segment, parts []string) (static int, ok bool) {
	for i, s := range segs {
		if s.rest {
			return static, len(parts) >= i
		}
		if i >= len(parts) {
			return 0, false
		}
		if s.wild {
			if parts[i] == "" {
				return 0, false
			}
			continue
		}
		p, err := url.PathUnescape(parts[i])
		if err != nil || !strings.EqualFold(p, s.static) {
			return 0, false
		}
		static++
	}
	return static, len(segs) == len(parts)
}

// query returns a query parameter by name, in any casing the client used.
func query(r *http.Request, name string) string {
	return r.URL.Query().Get(strings.ToLower(name))
}

// queryList returns a list parameter, which clients send either
// comma-separated (Fields=A,B: jellyfin-web's legacy client) or repeated
// (fields=A&fields=B: the SDK).
func queryList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[strings.ToLower(name)] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// queryBool reads an optional boolean parameter, in any case ("True" from
// .NET clients); nil when absent or unreadable.
func queryBool(r *http.Request, name string) *bool {
	v, err := strconv.ParseBool(strings.ToLower(query(r, name)))
	if err != nil {
		return nil
	}
	return &v
}
