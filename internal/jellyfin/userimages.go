package jellyfin

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// User profile pictures, as Jellyfin 10.11's ImageController serves them:
//
//   - GET|HEAD /UserImage?userId= and the legacy /Users/{userId}/Images/{type}[/{index}]
//     are anonymous (the login screen shows the public users' pictures);
//     without a userId the caller's own is meant, and an anonymous caller
//     must give one (400). The type and index are not used: a user has one
//     picture.
//   - POST (the body the image in base64, its Content-Type an image type)
//     and DELETE, on the same paths, are for the user or an administrator.
//
// A picture is a user's ImageInfos row. Uploaded bytes are stored in the
// database (store.SetUserImage), so that every replica serves them; a
// picture whose bytes are not there (a user migrated from Jellyfin) is read
// from the file the row names.

// maxUserImage bounds an uploaded picture (decoded). A profile picture is
// shown at a few hundred pixels; 10 MiB still takes a phone camera's photo
// uploaded as it is, which is what jellyfin-web sends.
const maxUserImage = 10 << 20

// maxUserImageBody is the base64 text of maxUserImage bytes (4 characters
// per 3 bytes) with room for line breaks.
const maxUserImageBody = maxUserImage/3*4 + maxUserImage/16 + 1024

// SetConfigDir sets Jellyfin's configuration directory, under which
// uploaded pictures are named and written (users/<name>/profile.<ext>).
// The system's temporary directory is used until it is set.
func (rt *Router) SetConfigDir(dir string) { rt.configDir = dir }

// userImagesDir is Jellyfin's UserConfigurationDirectoryPath.
func (rt *Router) userImagesDir() string {
	dir := rt.configDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "jellyha-config")
	}
	return filepath.Join(dir, "users")
}

// userImagePath is where Jellyfin would keep name's picture. A name that
// is not a plain file name (a migrated user's, from before Jellyfin's
// rules) is replaced by the user's id rather than leave the directory.
func (rt *Router) userImagePath(u *media.User, ext string) string {
	dir := u.Name
	if dir == "." || dir == ".." || strings.ContainsAny(dir, `/\`) || dir != filepath.Base(dir) {
		dir = u.ID.String()
	}
	return filepath.Join(rt.userImagesDir(), dir, "profile"+ext)
}

// userImageOwner resolves whose picture a request is about: the {userId}
// of a legacy path (already checked by accessSelf when it changes
// something), else the userId query parameter, else the caller. When
// changing it, someone else's is for administrators only (Jellyfin's
// AssertCanUpdateUser). A legacy path's image type is checked last.
func (rt *Router) userImageOwner(r *http.Request, p *principal, changing bool) (media.ID, error) {
	raw := r.PathValue("userId")
	if raw == "" {
		raw = query(r, "userId")
	}
	if raw == "" {
		if p.user == nil {
			return media.NilID, media.Errorf(media.EINVALID, "userId is required if unauthenticated")
		}
		return p.user.ID, nil
	}
	id, err := media.ParseID(raw)
	if err != nil {
		return id, media.Errorf(media.EINVALID, "userId is not a valid id")
	}
	if changing && !p.admin() && (p.user == nil || p.user.ID != id) {
		return id, media.Errorf(media.EFORBIDDEN, "User is not allowed to update the image.")
	}
	return id, checkUserImageType(r)
}

// checkUserImageType rejects a legacy path's image type Jellyfin would not
// bind (400); which valid type is named does not matter.
func checkUserImageType(r *http.Request) error {
	if t := r.PathValue("imageType"); t != "" {
		if _, ok := imageTypeOf(t); !ok {
			return media.Errorf(media.EINVALID, "unknown image type %q", t)
		}
	}
	return nil
}

// getUserImage is GET and HEAD /UserImage and /Users/{userId}/Images/{imageType}[/{imageIndex}].
func (rt *Router) getUserImage(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := rt.userImageOwner(r, p, false)
	if err != nil {
		return err
	}
	z, err := readResize(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, err := rt.store.User(ctx, id)
	if err != nil {
		return err
	}
	im := u.ProfileImage
	if im == nil {
		return media.Errorf(media.ENOTFOUND, "user %s has no picture", id)
	}
	tag := im.Tag()
	data, ctype, err := rt.store.UserImageData(ctx, id, tag)
	switch media.ErrorCode(err) {
	case "":
		return rt.serveImage(w, r, picture{body: bytes.NewReader(data), contentType: ctype,
			modTime: im.LastModified, version: "user|" + tag}, z)
	case media.ENOTFOUND:
	default:
		return err
	}
	f, err := os.Open(im.Path) //nolint:gosec // the path is the ImageInfos row's, never the request's
	if err != nil {
		return media.Errorf(media.ENOTFOUND, "the picture file of user %s is missing", id)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return media.Errorf(media.ENOTFOUND, "the picture file of user %s is missing", id)
	}
	return rt.serveImage(w, r, picture{body: f, contentType: contentType(im.Path), modTime: st.ModTime(),
		version: fmt.Sprintf("%s|%d|%d", im.Path, st.ModTime().UnixNano(), st.Size())}, z)
}

// postUserImage is POST /UserImage and /Users/{userId}/Images/{imageType}[/{index}].
// The whole body is checked (an image type, base64, a picture the standard
// library or the sniffer knows, within maxUserImage) before anything is
// written, so a bad upload changes nothing.
func (rt *Router) postUserImage(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := rt.userImageOwner(r, p, true)
	if err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(strings.ToLower(mt), "image/") {
		return media.Errorf(media.EINVALID, "Incorrect ContentType.")
	}
	data, err := readBase64Body(r)
	if err != nil {
		return err
	}
	ctype, ext, err := sniffImage(data)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, err := rt.store.User(ctx, id)
	if err != nil {
		return err
	}
	im := &media.UserImage{UserID: id, Path: rt.userImagePath(u, ext), LastModified: time.Now()}
	if err := rt.store.SetUserImage(ctx, im, ctype, data); err != nil {
		return err
	}
	rt.writeUserImageFile(u.ProfileImage, im, data)
	noContent(w)
	return nil
}

// writeUserImageFile also writes an uploaded picture where its ImageInfos
// row says it is, after the database has it. The database is what jellyha
// serves from, on every replica; the file is written so that the row stays
// true on the machine that took the upload: a single SQLite install handed
// back to Jellyfin, or migrated elsewhere, keeps its users' pictures. Other
// replicas never have the file, and a stale one is never served (the
// database's bytes come first), so failing here is logged, not returned.
// The previous picture's file is removed when its name differs (another
// extension), as Jellyfin replaces it.
func (rt *Router) writeUserImageFile(old, im *media.UserImage, data []byte) {
	dir := filepath.Dir(im.Path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		rt.log.Warn("write user picture", "path", im.Path, "err", err)
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		rt.log.Warn("write user picture", "path", im.Path, "err", err)
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		rt.log.Warn("write user picture", "path", im.Path, "err", err)
		return
	}
	if err := os.Rename(tmp.Name(), im.Path); err != nil {
		_ = os.Remove(tmp.Name())
		rt.log.Warn("write user picture", "path", im.Path, "err", err)
		return
	}
	if old != nil && old.Path != im.Path {
		rt.removeUserImageFile(old.Path)
	}
}

// removeUserImageFile deletes a picture's file, as Jellyfin does, but only
// one jellyha's own layout put there: a migrated row may name a file of
// another installation (Jellyfin's /config mounted elsewhere), which is
// not this server's to delete.
func (rt *Router) removeUserImageFile(path string) {
	dir := rt.userImagesDir() + string(filepath.Separator)
	if !strings.HasPrefix(filepath.Clean(path), dir) {
		return
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) { //nolint:gosec // the ImageInfos row's path, checked to lie in the users directory above
		rt.log.Warn("remove user picture", "path", path, "err", err)
	}
}

// deleteUserImage is DELETE /UserImage and /Users/{userId}/Images/{imageType}[/{index}].
// A user without a picture answers 204 too, as in Jellyfin.
func (rt *Router) deleteUserImage(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := rt.userImageOwner(r, p, true)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, err := rt.store.User(ctx, id)
	if err != nil {
		return err
	}
	// Deleted even without an ImageInfos row, which takes any bytes left
	// behind by a row Jellyfin itself removed.
	if err := rt.store.DeleteUserImage(ctx, id); err != nil {
		return err
	}
	if u.ProfileImage != nil {
		rt.removeUserImageFile(u.ProfileImage.Path)
	}
	noContent(w)
	return nil
}

// readBase64Body reads a base64 body as Jellyfin's FromBase64Transform
// does: whitespace (line breaks) is skipped, padding is required.
func readBase64Body(r *http.Request) ([]byte, error) {
	text, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxUserImageBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, media.Errorf(media.EINVALID, "the image is too large: at most %d MiB", maxUserImage>>20)
		}
		return nil, media.Errorf(media.EINVALID, "the body could not be read: %v", err)
	}
	text = bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, text)
	if len(text) == 0 {
		return nil, media.Errorf(media.EINVALID, "the body must be the image, base64-encoded")
	}
	data := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(data, text)
	if err != nil {
		return nil, media.Errorf(media.EINVALID, "the body must be the image, base64-encoded: %v", err)
	}
	if n > maxUserImage {
		return nil, media.Errorf(media.EINVALID, "the image is too large: at most %d MiB", maxUserImage>>20)
	}
	return data[:n], nil
}

// userImageTypes are the pictures accepted, by sniffed type, with the
// extension their file gets.
var userImageTypes = map[string]string{
	"image/jpeg": ".jpg",
	"image/png":  ".png",
	"image/gif":  ".gif",
	"image/webp": ".webp",
	"image/bmp":  ".bmp",
}

// sniffImage says what data is, by its bytes rather than the declared
// Content-Type (clients send image/jpeg for whatever file was picked); the
// formats the standard library decodes must also decode their header, so
// that text or a truncated file is refused rather than stored.
func sniffImage(data []byte) (contentType, ext string, err error) {
	contentType = http.DetectContentType(data)
	ext, ok := userImageTypes[contentType]
	if !ok {
		return "", "", media.Errorf(media.EINVALID, "the body is not an image (JPEG, PNG, GIF, WebP or BMP); it looks like %s", contentType)
	}
	switch contentType {
	case "image/jpeg", "image/png", "image/gif":
		if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
			return "", "", media.Errorf(media.EINVALID, "the image cannot be read: %v", err)
		}
	}
	return contentType, ext, nil
}
