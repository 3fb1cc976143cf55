package jellyfin

import (
	"net/http"
	"testing"
)

// TestClientSetupEndpoints: what clients call while they set themselves up.
func TestClientSetupEndpoints(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *testServer) {
		var branding struct {
			LoginDisclaimer     string
			SplashscreenEnabled bool
		}
		s.expect(req{method: "GET", path: "/Branding/Configuration"}, http.StatusOK, &branding)
		var qc bool
		s.expect(req{method: "GET", path: "/QuickConnect/Enabled"}, http.StatusOK, &qc)
		if !qc {
			t.Error("QuickConnect reported disabled (Jellyfin's default is enabled)")
		}
		s.expect(req{method: "GET", path: "/branding/css.css"}, http.StatusOK, nil)
		var cultures []struct{ TwoLetterISOLanguageName string }
		s.expect(req{method: "GET", path: "/Localization/Cultures"}, http.StatusOK, &cultures)
		if len(cultures) == 0 || cultures[0].TwoLetterISOLanguageName == "" {
			t.Errorf("cultures %+v", cultures)
		}

		s.addUser("viewer", "pw", false)
		tok := s.login("viewer", "pw", "dev-1").AccessToken
		s.expect(req{method: "POST", path: "/Sessions/Capabilities/Full", body: map[string]any{"PlayableMediaTypes": []string{"Video"}}, header: as(tok)}, http.StatusNoContent, nil)
		s.expect(req{method: "POST", path: "/Sessions/Capabilities/Full"}, http.StatusUnauthorized, nil)
		var ep struct{ IsLocal, IsInNetwork bool }
		s.expect(req{method: "GET", path: "/System/Endpoint", header: as(tok)}, http.StatusOK, &ep)
		if !ep.IsLocal || !ep.IsInNetwork {
			t.Errorf("loopback client: %+v", ep)
		}
	})
}
