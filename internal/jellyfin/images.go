package jellyfin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "image/gif" // decodes GIF artwork too

	"github.com/jellyha/jellyha/internal/media"
)

// Item images (jellyfin-api.md §3.7). As in Jellyfin they need no token:
// players and <img> tags fetch them without headers. The file is the one a
// BaseItemImageInfos row names; a resized copy is kept under the cache
// directory, keyed by the file's path, modification time and size and the
// requested dimensions, so a changed file is never served stale.

// SetCacheDir sets where resized images are kept (Jellyfin's cache
// directory); the system's temporary directory is used until it is set.
func (rt *Router) SetCacheDir(dir string) { rt.cacheDir = dir }

func (rt *Router) imageCacheDir() string {
	dir := rt.cacheDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "jellyha-cache")
	}
	return filepath.Join(dir, "images", "resized")
}

// resize is what a request asks of an image.
type resize struct {
	maxW, maxH, fillW, fillH, w, h int
	quality                        int
	// format is the encoding asked for, "png" or "jpg"; "" keeps the
	// original's (PNG stays PNG, the rest becomes JPEG when resized).
	// WebP, which the standard library cannot write, is served as that.
	format string
}

func (z resize) none() bool { return z == resize{quality: z.quality} }

// encodesPNG reports whether the image goes out as PNG: asked for, or a
// PNG original and no format asked for.
func (z resize) encodesPNG(original string) bool {
	return z.format == "png" || (z.format == "" && original == "png")
}

func readResize(r *http.Request) (resize, error) {
	var z resize
	for _, f := range []struct {
		name string
		dst  *int
	}{{"MaxWidth", &z.maxW}, {"MaxHeight", &z.maxH}, {"FillWidth", &z.fillW}, {"FillHeight", &z.fillH},
		{"Width", &z.w}, {"Height", &z.h}, {"Quality", &z.quality}} {
		v := query(r, f.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10000 {
			return z, media.Errorf(media.EINVALID, "%s must be a whole number up to 10000", f.name)
		}
		*f.dst = n
	}
	if z.quality == 0 || z.quality > 100 {
		z.quality = 90
	}
	switch f := strings.ToLower(query(r, "Format")); f {
	case "png":
		z.format = f
	case "jpg", "jpeg":
		z.format = "jpg"
	}
	return z, nil
}

// target returns the size to scale a w×h image to: never larger than the
// original, keeping its aspect ratio.
func (z resize) target(w, h int) (int, int) {
	fw, fh := float64(w), float64(h)
	scale := 1.0
	switch {
	case z.w > 0 && z.h > 0:
		return min(z.w, w), min(z.h, h)
	case z.w > 0:
		scale = float64(z.w) / fw
	case z.h > 0:
		scale = float64(z.h) / fh
	case z.fillW > 0 || z.fillH > 0:
		// Cover the box.
		scale = max(float64(z.fillW)/fw, float64(z.fillH)/fh)
	}
	if z.maxW > 0 {
		scale = min(scale, float64(z.maxW)/fw)
	}
	if z.maxH > 0 {
		scale = min(scale, float64(z.maxH)/fh)
	}
	scale = min(scale, 1)
	return max(1, int(fw*scale+0.5)), max(1, int(fh*scale+0.5))
}

// getImage is GET and HEAD /Items/{itemId}/Images/{imageType}[/{imageIndex}].
func (rt *Router) getImage(w http.ResponseWriter, r *http.Request, _ *principal) error {
	id, err := pathID(r, "itemId")
	if err != nil {
		return err
	}
	typ, ok := imageTypeOf(r.PathValue("imageType"))
	if !ok {
		return media.Errorf(media.EINVALID, "unknown image type %q", r.PathValue("imageType"))
	}
	index := 0
	if s := r.PathValue("imageIndex"); s != "" {
		if index, err = strconv.Atoi(s); err != nil || index < 0 {
			return media.Errorf(media.EINVALID, "imageIndex must be a whole number")
		}
	}
	z, err := readResize(r)
	if err != nil {
		return err
	}
	images, err := rt.store.ItemImages(r.Context(), id)
	if err != nil {
		return err
	}
	var img *media.ItemImage
	for i := range images {
		if images[i].ImageType != typ {
			continue
		}
		if index == 0 {
			img = &images[i]
			break
		}
		index--
	}
	if img == nil {
		return media.Errorf(media.ENOTFOUND, "item %s has no such image", id)
	}
	f, err := os.Open(img.Path) //nolint:gosec // the path is the library's, from the database, never the request's
	if err != nil {
		return media.Errorf(media.ENOTFOUND, "the image file of item %s is missing", id)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return media.Errorf(media.ENOTFOUND, "the image file of item %s is missing", id)
	}
	return rt.serveImage(w, r, picture{
		body:        f,
		contentType: contentType(img.Path),
		modTime:     st.ModTime(),
		version:     fmt.Sprintf("%s|%d|%d", img.Path, st.ModTime().UnixNano(), st.Size()),
	}, z)
}

// picture is an image to serve, from a file or from the database.
type picture struct {
	body        io.ReadSeeker
	contentType string
	modTime     time.Time
	// version names these bytes for the resize cache: it must change
	// whenever they do (a file's path, modification time and size; a
	// stored picture's tag).
	version string
}

// serveImage answers with pic, resized and re-encoded as z asks; resized
// copies are kept in the cache directory under pic.version and z.
func (rt *Router) serveImage(w http.ResponseWriter, r *http.Request, pic picture, z resize) error {
	// Clients ask by tag and the tag changes with the image.
	w.Header().Set("Cache-Control", "public, max-age=31536000")
	if z.none() {
		w.Header().Set("Content-Type", pic.contentType)
		http.ServeContent(w, r, "", pic.modTime, pic.body)
		return nil
	}
	key := sha256.Sum256(fmt.Appendf(nil, "%s|%+v", pic.version, z))
	name := hex.EncodeToString(key[:16])
	dir := rt.imageCacheDir()
	for _, ext := range []string{".jpg", ".png"} {
		if c, err := os.Open(filepath.Join(dir, name+ext)); err == nil { //nolint:gosec // name is a hash
			defer c.Close()
			w.Header().Set("Content-Type", contentType(ext))
			http.ServeContent(w, r, "", pic.modTime, c)
			return nil
		}
	}
	src, format, err := image.Decode(pic.body)
	if err != nil {
		// Not a format the standard library reads (WebP...): the original.
		if _, err := pic.body.Seek(0, io.SeekStart); err != nil {
			return err
		}
		w.Header().Set("Content-Type", pic.contentType)
		http.ServeContent(w, r, "", pic.modTime, pic.body)
		return nil
	}
	b := src.Bounds()
	tw, th := z.target(b.Dx(), b.Dy())
	out := src
	if tw != b.Dx() || th != b.Dy() {
		out = scale(src, tw, th)
	}
	var buf bytes.Buffer
	ext := ".jpg"
	if z.encodesPNG(format) {
		ext = ".png"
		err = png.Encode(&buf, out)
	} else {
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: z.quality})
	}
	if err != nil {
		return err
	}
	rt.cacheImage(dir, name+ext, buf.Bytes())
	w.Header().Set("Content-Type", contentType(ext))
	http.ServeContent(w, r, "", pic.modTime, bytes.NewReader(buf.Bytes()))
	return nil
}

// cacheImage writes a resized image atomically (replicas sharing a cache
// directory may race); failing to cache only costs a later resize.
func (rt *Router) cacheImage(dir, name string, data []byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		rt.log.Warn("image cache", "err", err)
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		rt.log.Warn("image cache", "err", err)
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		return
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil { //nolint:gosec // name is a hash
		_ = os.Remove(tmp.Name())
	}
}

func contentType(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	default:
		return "image/jpeg"
	}
}

// scale resamples src to w×h by averaging the source pixels each target
// pixel covers (a box filter): exact for the downscaling artwork needs,
// and plain nearest-pixel when enlarging.
func scale(src image.Image, w, h int) image.Image {
	b := src.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)
	sw, sh := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0 := y * sh / h
		y1 := max(y0+1, (y+1)*sh/h)
		for x := range w {
			x0 := x * sw / w
			x1 := max(x0+1, (x+1)*sw/w)
			var r, g, bl, a, n uint32
			for sy := y0; sy < y1; sy++ {
				row := rgba.Pix[sy*rgba.Stride:]
				for sx := x0; sx < x1; sx++ {
					p := row[sx*4 : sx*4+4]
					r, g, bl, a = r+uint32(p[0]), g+uint32(p[1]), bl+uint32(p[2]), a+uint32(p[3])
					n++
				}
			}
			d := dst.Pix[y*dst.Stride+x*4:]
			d[0], d[1], d[2], d[3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return dst
}
