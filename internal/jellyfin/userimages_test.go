package jellyfin

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

func testPicture(t *testing.T, w, h int, asJPEG bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 8), 100, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&buf, img, nil)
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fetchImage fetches path anonymously and returns the status, Content-Type and body.
func (s *testServer) fetchImage(method, path string) (int, string, []byte) {
	s.t.Helper()
	hr, err := http.NewRequest(method, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), body.Bytes()
}

func (s *testServer) count(query string, args ...any) int {
	s.t.Helper()
	db := s.store.DB()
	var n int
	if err := db.Write.QueryRowContext(context.Background(), db.Rebind(query), args...).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func TestUserImages(t *testing.T) {
	for name, provider := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s := newTestServer(t, provider(t), func(rt *Router) {
				rt.SetConfigDir(filepath.Join(dir, "config"))
				rt.SetCacheDir(filepath.Join(dir, "cache"))
			})
			testUserImages(t, s, dir)
		})
	}
}

func testUserImages(t *testing.T, s *testServer, dir string) {
	ctx := context.Background()
	s.completeWizard()
	s.addUser("admin", "root", true)
	alice := s.addUser("alice", "a", false)
	bob := s.addUser("bob", "b", false)
	adminTok := s.login("admin", "root", "admin-dev").AccessToken
	aliceTok := s.login("alice", "a", "alice-dev").AccessToken
	bobTok := s.login("bob", "b", "bob-dev").AccessToken
	aliceImage := "/UserImage?userId=" + alice.ID.String()
	aliceLegacy := "/Users/" + alice.ID.String() + "/Images/Primary"
	post := func(path, token, contentType, body string) (int, []byte) {
		return s.do(req{"POST", path, body, append(as(token), "Content-Type", contentType)})
	}
	me := func(token string) UserIn {
		var u UserIn
		s.expect(req{"GET", "/Users/Me", nil, as(token)}, 200, &u)
		return u
	}
	pictureRows := func() (int, int) {
		return s.count(`SELECT COUNT(*) FROM "ImageInfos" WHERE "UserId" = ?`, database.GUID(alice.ID)),
			s.count(`SELECT COUNT(*) FROM jellyha_user_images WHERE user_id = ?`, database.GUID(alice.ID))
	}

	// No picture yet.
	if code, _, _ := s.fetchImage("GET", aliceImage); code != 404 {
		t.Fatalf("no picture: %d, want 404", code)
	}
	if code, _, _ := s.fetchImage("GET", "/UserImage"); code != 400 {
		t.Errorf("anonymous, no userId: %d, want 400", code)
	}
	if tag := me(aliceTok).PrimaryImageTag; tag != "" {
		t.Errorf("PrimaryImageTag %q without a picture", tag)
	}

	// Bad uploads are 400 and change nothing.
	pngData := testPicture(t, 64, 32, false)
	b64 := base64.StdEncoding.EncodeToString(pngData)
	for name, c := range map[string]struct{ contentType, body string }{
		"not an image type": {"text/plain", b64},
		"no content type":   {"", b64},
		"not base64":        {"image/png", "this is not base64!"},
		"raw bytes":         {"image/png", string(pngData)},
		"empty":             {"image/png", ""},
		"not an image":      {"image/png", base64.StdEncoding.EncodeToString([]byte("hello, world"))},
		"truncated PNG":     {"image/png", base64.StdEncoding.EncodeToString(pngData[:20])},
		// Valid base64 of one byte-triple more than the limit: read whole
		// (a body over maxUserImageBody is cut off mid-upload instead,
		// which a client may see as a reset rather than the 400).
		"too large": {"image/png", strings.Repeat("AAAA", maxUserImage/3+1)},
	} {
		if code, body := post("/UserImage", aliceTok, c.contentType, c.body); code != 400 {
			t.Errorf("%s: %d %s, want 400", name, code, body)
		}
	}
	if a, b := pictureRows(); a != 0 || b != 0 {
		t.Fatalf("after bad uploads: %d ImageInfos rows, %d stored pictures", a, b)
	}

	// Someone else's picture is not bob's to change, by either path.
	if code, _ := post(aliceImage, bobTok, "image/png", b64); code != 403 {
		t.Errorf("bob uploads for alice: %d, want 403", code)
	}
	if code, _ := post(aliceLegacy, bobTok, "image/png", b64); code != 403 {
		t.Errorf("bob uploads for alice (legacy): %d, want 403", code)
	}
	if a, _ := pictureRows(); a != 0 {
		t.Fatal("bob's upload was stored")
	}

	// Alice uploads her own (no userId: the caller's); anyone may look.
	if code, body := post("/UserImage", aliceTok, "image/png; charset=utf-8", b64); code != 204 {
		t.Fatalf("upload: %d %s", code, body)
	}
	for _, path := range []string{aliceImage, aliceLegacy, aliceLegacy + "/0", "/emby/users/" + alice.ID.String() + "/images/primary?tag=x"} {
		code, ctype, body := s.fetchImage("GET", path)
		if code != 200 || ctype != "image/png" || !bytes.Equal(body, pngData) {
			t.Errorf("GET %s: %d %s, %d bytes, want the upload", path, code, ctype, len(body))
		}
	}
	if code, _, _ := s.fetchImage("HEAD", aliceLegacy); code != 200 {
		t.Errorf("HEAD: %d", code)
	}
	code, ctype, body := s.fetchImage("GET", aliceImage+"&maxWidth=16")
	if got, _, err := image.Decode(bytes.NewReader(body)); code != 200 || err != nil || got.Bounds().Dx() != 16 || got.Bounds().Dy() != 8 {
		t.Errorf("resized: %d %s (%v)", code, ctype, err)
	}
	if code, _, _ := s.fetchImage("GET", "/Users/"+alice.ID.String()+"/Images/Nonsense"); code != 400 {
		t.Errorf("unknown image type: %d, want 400", code)
	}

	// The tag is on every user DTO, the same everywhere.
	tag := me(aliceTok).PrimaryImageTag
	if !hex32.MatchString(tag) {
		t.Fatalf("PrimaryImageTag %q", tag)
	}
	var all, public []UserIn
	s.expect(req{"GET", "/Users", nil, as(adminTok)}, 200, &all)
	s.expect(req{"GET", "/Users/Public", nil, nil}, 200, &public)
	var one UserIn
	s.expect(req{"GET", "/Users/" + alice.ID.String(), nil, as(adminTok)}, 200, &one)
	tags := map[string]string{"login": s.login("alice", "a", "alice-dev2").User.PrimaryImageTag, "/Users/{id}": one.PrimaryImageTag}
	for _, l := range map[string][]UserIn{"/Users": all, "/Users/Public": public} {
		for _, u := range l {
			if u.ID == alice.ID.String() {
				tags["list"] = u.PrimaryImageTag
			} else if u.PrimaryImageTag != "" {
				t.Errorf("%s has a tag", u.Name)
			}
		}
	}
	for where, got := range tags {
		if got != tag {
			t.Errorf("%s: tag %q, want %q", where, got, tag)
		}
	}

	// The Jellyfin row names the picture in Jellyfin's layout, and the file
	// is written there too.
	want := filepath.Join(dir, "config", "users", "alice", "profile.png")
	var path string
	db := s.store.DB()
	if err := db.Write.QueryRowContext(ctx, db.Rebind(`SELECT "Path" FROM "ImageInfos" WHERE "UserId" = ?`), database.GUID(alice.ID)).Scan(&path); err != nil || path != want {
		t.Fatalf("ImageInfos.Path %q (%v), want %q", path, err, want)
	}
	if b, err := os.ReadFile(want); err != nil || !bytes.Equal(b, pngData) {
		t.Errorf("picture file: %v", err)
	}

	// A replica without the file serves the database's bytes.
	if err := os.Remove(want); err != nil {
		t.Fatal(err)
	}
	if code, _, body := s.fetchImage("GET", aliceImage); code != 200 || !bytes.Equal(body, pngData) {
		t.Errorf("without the file: %d, %d bytes", code, len(body))
	}

	// A new picture (legacy path, base64 in lines, by an administrator)
	// replaces the old and changes the tag.
	time.Sleep(2 * time.Millisecond)
	jpegData := testPicture(t, 40, 40, true)
	lines := base64.StdEncoding.EncodeToString(jpegData)
	var wrapped strings.Builder
	for len(lines) > 76 {
		wrapped.WriteString(lines[:76] + "\r\n")
		lines = lines[76:]
	}
	wrapped.WriteString(lines)
	if code, body := post(aliceLegacy, adminTok, "image/jpeg", wrapped.String()); code != 204 {
		t.Fatalf("second upload: %d %s", code, body)
	}
	if code, ctype, body := s.fetchImage("GET", aliceLegacy); code != 200 || ctype != "image/jpeg" || !bytes.Equal(body, jpegData) {
		t.Errorf("after the second upload: %d %s, %d bytes", code, ctype, len(body))
	}
	tag2 := me(aliceTok).PrimaryImageTag
	if tag2 == "" || tag2 == tag {
		t.Errorf("tag after a new picture: %q (was %q)", tag2, tag)
	}
	if a, b := pictureRows(); a != 1 || b != 1 {
		t.Errorf("after two uploads: %d ImageInfos rows, %d stored pictures", a, b)
	}

	// Should Jellyfin itself change the row, the stored bytes are stale:
	// the file the row now names is served.
	other := filepath.Join(dir, "elsewhere.png")
	if err := os.WriteFile(other, pngData, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, db.Rebind(`UPDATE "ImageInfos" SET "Path" = ?, "LastModified" = ? WHERE "UserId" = ?`),
		other, db.Time(time.Now()), database.GUID(alice.ID)); err != nil {
		t.Fatal(err)
	}
	if code, _, body := s.fetchImage("GET", aliceImage); code != 200 || !bytes.Equal(body, pngData) {
		t.Errorf("row changed behind jellyha: %d, %d bytes, want the file", code, len(body))
	}

	// Deleting: not bob's to do; then 404 and no tag.
	if code, _ := s.do(req{"DELETE", aliceImage, nil, as(bobTok)}); code != 403 {
		t.Errorf("bob deletes alice's: %d, want 403", code)
	}
	s.expect(req{"DELETE", aliceImage, nil, as(adminTok)}, 204, nil)
	if code, _, _ := s.fetchImage("GET", aliceImage); code != 404 {
		t.Errorf("after delete: %d, want 404", code)
	}
	if tag := me(aliceTok).PrimaryImageTag; tag != "" {
		t.Errorf("tag after delete: %q", tag)
	}
	if a, b := pictureRows(); a != 0 || b != 0 {
		t.Errorf("after delete: %d ImageInfos rows, %d stored pictures", a, b)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file outside jellyha's users directory was deleted: %v", err)
	}
	s.expect(req{"DELETE", "/Users/" + alice.ID.String() + "/Images/Primary/0", nil, as(aliceTok)}, 204, nil)

	// A user migrated from Jellyfin: the file the row names; a missing
	// file is 404, though the user keeps a tag (as in Jellyfin).
	migrated := filepath.Join(dir, "jellyfin", "users", "bob", "profile.jpg")
	if err := os.MkdirAll(filepath.Dir(migrated), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(migrated, jpegData, 0o644); err != nil {
		t.Fatal(err)
	}
	carol := s.addUser("carol", "", false)
	lastMod := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	if err := s.store.BulkInsertUserImages(ctx, []media.UserImage{
		{UserID: bob.ID, Path: migrated, LastModified: lastMod},
		{UserID: carol.ID, Path: filepath.Join(dir, "gone.jpg"), LastModified: lastMod},
	}); err != nil {
		t.Fatal(err)
	}
	if code, ctype, body := s.fetchImage("GET", "/Users/"+bob.ID.String()+"/Images/Primary"); code != 200 || ctype != "image/jpeg" || !bytes.Equal(body, jpegData) {
		t.Errorf("migrated picture: %d %s, %d bytes", code, ctype, len(body))
	}
	if code, _, body := s.fetchImage("GET", "/UserImage?userId="+bob.ID.String()+"&maxHeight=10"); code != 200 {
		t.Errorf("migrated picture resized: %d", code)
	} else if got, _, err := image.Decode(bytes.NewReader(body)); err != nil || got.Bounds().Dy() != 10 {
		t.Errorf("migrated picture resized to %v (%v)", got.Bounds(), err)
	}
	if got, want := me(bobTok).PrimaryImageTag, (&media.UserImage{Path: migrated, LastModified: lastMod}).Tag(); got != want {
		t.Errorf("migrated tag %q, want Jellyfin's %q", got, want)
	}
	if code, _, _ := s.fetchImage("GET", "/UserImage?userId="+carol.ID.String()); code != 404 {
		t.Errorf("missing file: %d, want 404", code)
	}
	// The caller's own, without a userId.
	if code, _ := s.do(req{"GET", "/UserImage", nil, as(bobTok)}); code != 200 {
		t.Errorf("own picture without userId: %d", code)
	}

	// Deleting a user takes their stored picture.
	if code, body := post("/UserImage", aliceTok, "image/png", b64); code != 204 {
		t.Fatalf("upload: %d %s", code, body)
	}
	s.expect(req{"DELETE", "/Users/" + alice.ID.String(), nil, as(adminTok)}, 204, nil)
	if a, b := pictureRows(); a != 0 || b != 0 {
		t.Errorf("after deleting the user: %d ImageInfos rows, %d stored pictures", a, b)
	}
}

// TestPreferenceAccess: a user whose policy turns EnableUserPreferenceAccess
// off may not change their own account, picture or item user data, nor
// read the latter (Jellyfin's AssertCanUpdateUser with
// restrictUserPreferences); an administrator still may, and the played
// toggle, which Jellyfin does not guard, still works.
func TestPreferenceAccess(t *testing.T) {
	for name, provider := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, provider(t), func(rt *Router) { rt.SetConfigDir(t.TempDir()) })
			s.completeWizard()
			s.addUser("admin", "root", true)
			alice := s.addUser("alice", "a", false)
			adminTok := s.login("admin", "root", "admin-dev").AccessToken
			admin := as(adminTok)
			aliceTok := s.login("alice", "a", "alice-dev").AccessToken
			item := s.addFilms(admin)
			picture := base64.StdEncoding.EncodeToString(testPicture(t, 8, 8, false))
			aliceID := alice.ID.String()
			policy := func(on bool) {
				t.Helper()
				s.expect(req{"POST", "/Users/" + aliceID + "/Policy", map[string]any{"EnableUserPreferenceAccess": on}, admin}, 204, nil)
				var u UserIn
				s.expect(req{"GET", "/Users/" + aliceID, nil, admin}, 200, &u)
				if u.Policy.EnableUserPreferenceAccess != on {
					t.Fatalf("policy says EnableUserPreferenceAccess %v, want %v", u.Policy.EnableUserPreferenceAccess, on)
				}
			}
			type call struct {
				method, path string
				body         any
				contentType  string
			}
			guarded := []call{
				{"POST", "/UserImage", picture, "image/png"},
				{"POST", "/Users/" + aliceID + "/Images/Primary", picture, "image/png"},
				{"DELETE", "/UserImage", nil, ""},
				{"DELETE", "/Users/" + aliceID + "/Images/Primary", nil, ""},
				{"POST", "/Users/" + aliceID + "/Password", map[string]any{"CurrentPw": "a", "NewPw": "a"}, ""},
				{"POST", "/Users/" + aliceID, map[string]any{"Name": "alice"}, ""},
				{"POST", "/Users", map[string]any{"Name": "alice"}, ""},
				{"POST", "/Users/Password", map[string]any{"CurrentPw": "a", "NewPw": "a"}, ""},
				{"POST", "/Users/Configuration", map[string]any{"SubtitleMode": "Always"}, ""},
				{"POST", "/Users/" + aliceID + "/Configuration", map[string]any{"SubtitleMode": "None"}, ""},
				{"GET", "/UserItems/" + item + "/UserData", nil, ""},
				{"POST", "/UserItems/" + item + "/UserData", map[string]any{"IsFavorite": true}, ""},
				{"GET", "/Users/" + aliceID + "/Items/" + item + "/UserData", nil, ""},
				{"POST", "/Users/" + aliceID + "/Items/" + item + "/UserData", map[string]any{"Likes": true}, ""},
			}
			try := func(c call, token string) int {
				h := as(token)
				if c.contentType != "" {
					h = append(h, "Content-Type", c.contentType)
				}
				code, _ := s.do(req{c.method, c.path, c.body, h})
				return code
			}

			policy(false)
			for _, c := range guarded {
				if code := try(c, aliceTok); code != 403 {
					t.Errorf("alice without preference access: %s %s = %d, want 403", c.method, c.path, code)
				}
			}
			if n := s.count(`SELECT COUNT(*) FROM jellyha_user_images`); n != 0 {
				t.Errorf("a refused upload stored %d pictures", n)
			}
			if cfg, err := s.store.UserConfiguration(context.Background(), alice.ID); err != nil || cfg.SubtitleMode != media.SubtitleModeDefault {
				t.Errorf("a refused post changed alice's configuration: %+v %v", cfg, err)
			}
			if code, body := s.do(req{"POST", "/UserPlayedItems/" + item, nil, as(aliceTok)}); code != 200 {
				t.Errorf("played toggle: %d %s", code, body)
			}
			// An administrator acts for her regardless.
			if code := try(guarded[1], adminTok); code != 204 {
				t.Errorf("administrator uploads for alice: %d, want 204", code)
			}

			policy(true)
			for _, c := range guarded {
				if code := try(c, aliceTok); code != 200 && code != 204 {
					t.Errorf("alice with preference access: %s %s = %d", c.method, c.path, code)
				}
			}
		})
	}
}
