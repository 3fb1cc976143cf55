package jellyfin

import (
	"net/http"
	"strings"
)

// The small endpoints every client calls during setup and that jellyha
// answers with Jellyfin's defaults (jellyfin-api.md §3.1, §3.2): without
// them jellyfin-web and the mobile apps stop at a spinner.

// brandingConfiguration is Jellyfin's default BrandingOptions.
func (rt *Router) brandingConfiguration(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeJSON(w, http.StatusOK, map[string]any{"LoginDisclaimer": "", "CustomCss": "", "SplashscreenEnabled": false})
	return nil
}

func (rt *Router) brandingCSS(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	return nil
}

// endpoint tells the web client whether it is on the server's network,
// which it uses to pick bitrate defaults: a loopback or private address is.
func (rt *Router) endpoint(w http.ResponseWriter, r *http.Request, _ *principal) error {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = strings.Trim(host[:i], "[]")
	}
	local := host == "127.0.0.1" || host == "::1" || strings.HasPrefix(host, "10.") ||
		strings.HasPrefix(host, "192.168.") || strings.HasPrefix(host, "172.") || strings.HasPrefix(host, "fe80:") || strings.HasPrefix(host, "fd")
	writeJSON(w, http.StatusOK, map[string]bool{"IsLocal": host == "127.0.0.1" || host == "::1", "IsInNetwork": local})
	return nil
}

// Static lists the settings pages read. jellyha ships short ones: the
// pages work, and metadata is local (.nfo), so the lists matter little.
func (rt *Router) cultures(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeJSON(w, http.StatusOK, []map[string]any{
		{"Name": "English", "DisplayName": "English", "TwoLetterISOLanguageName": "en", "ThreeLetterISOLanguageName": "eng", "ThreeLetterISOLanguageNames": []string{"eng"}},
		{"Name": "French", "DisplayName": "French", "TwoLetterISOLanguageName": "fr", "ThreeLetterISOLanguageName": "fre", "ThreeLetterISOLanguageNames": []string{"fre", "fra"}},
		{"Name": "German", "DisplayName": "German", "TwoLetterISOLanguageName": "de", "ThreeLetterISOLanguageName": "ger", "ThreeLetterISOLanguageNames": []string{"ger", "deu"}},
		{"Name": "Spanish", "DisplayName": "Spanish", "TwoLetterISOLanguageName": "es", "ThreeLetterISOLanguageName": "spa", "ThreeLetterISOLanguageNames": []string{"spa"}},
	})
	return nil
}

func (rt *Router) countries(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeJSON(w, http.StatusOK, []map[string]string{
		{"Name": "US", "DisplayName": "United States", "TwoLetterISORegionName": "US", "ThreeLetterISORegionName": "USA"},
		{"Name": "GB", "DisplayName": "United Kingdom", "TwoLetterISORegionName": "GB", "ThreeLetterISORegionName": "GBR"},
		{"Name": "FR", "DisplayName": "France", "TwoLetterISORegionName": "FR", "ThreeLetterISORegionName": "FRA"},
		{"Name": "DE", "DisplayName": "Germany", "TwoLetterISORegionName": "DE", "ThreeLetterISORegionName": "DEU"},
	})
	return nil
}

func (rt *Router) parentalRatings(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeJSON(w, http.StatusOK, []map[string]any{
		{"Name": "G", "Value": 0}, {"Name": "PG", "Value": 10}, {"Name": "PG-13", "Value": 13}, {"Name": "R", "Value": 17}, {"Name": "NC-17", "Value": 18},
	})
	return nil
}

func (rt *Router) localizationOptions(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeJSON(w, http.StatusOK, []map[string]string{{"Name": "English", "Value": "en-US"}})
	return nil
}
