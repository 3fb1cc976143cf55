package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

const demoSynopsis = `demo [--dir DIR] [flags]

Generates a small sample library with ffmpeg (three short films with titles,
chapters, subtitles and posters, a series with two seasons, an album of
tones with embedded cover art and one song's synced lyrics), adds it as the
libraries "Demo Movies", "Demo Shows"
and "Demo Music" in the configured database, and scans it. Then
"jellyha serve" has something to browse. Running it again reuses the files.

Flags:`

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "demo", demoSynopsis)
	var f config.Flags
	f.Register(fs)
	dir := fs.String("dir", "", "where to write the sample files (default <datadir>/demo)")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return errors.New("the demo needs ffmpeg, which is not installed: on Debian, apt-get install ffmpeg")
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		return errors.New("the scanner needs ffprobe, which is not installed: on Debian, apt-get install ffmpeg")
	}
	s, cfg, log, closeDB, err := openStore(ctx, e, &f, *logLevel)
	if err != nil {
		return err
	}
	defer closeDB()
	root := *dir
	if root == "" {
		root = filepath.Join(cfg.DataDir, "demo")
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	start := time.Now()
	n, err := generateDemo(ctx, root)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sample library in %s (%d files made in %s)\n", root, n, time.Since(start).Round(time.Millisecond))
	for _, l := range []store.Library{
		{Name: "Demo Movies", CollectionType: "movies", Paths: []string{filepath.Join(root, "Movies")}},
		{Name: "Demo Shows", CollectionType: "tvshows", Paths: []string{filepath.Join(root, "Shows")}},
		{Name: "Demo Music", CollectionType: "music", Paths: []string{filepath.Join(root, "Music")}},
	} {
		err := s.CreateLibrary(ctx, &l)
		switch {
		case media.ErrorCode(err) == media.ECONFLICT:
			fmt.Fprintf(e.stdout, "library %q exists already\n", l.Name)
		case err != nil:
			return err
		default:
			fmt.Fprintf(e.stdout, "added library %q\n", l.Name)
		}
	}
	if _, err := scanNow(ctx, e, newScanner(s, cfg, log), []string{"Demo Movies", "Demo Shows", "Demo Music"}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "now run: jellyha serve")
	return nil
}

// generateDemo writes the sample files under root, skipping those that
// exist, and returns how many it made.
func generateDemo(ctx context.Context, root string) (int, error) {
	made := 0
	ff := func(out string, args ...string) error {
		if _, err := os.Stat(out); err == nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		tmp := filepath.Join(filepath.Dir(out), ".tmp-"+filepath.Base(out))
		full := append([]string{"-nostdin", "-v", "error", "-y"}, args...)
		full = append(full, tmp)
		if b, err := exec.CommandContext(ctx, "ffmpeg", full...).CombinedOutput(); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("ffmpeg %s: %w: %s", out, err, strings.TrimSpace(string(b)))
		}
		made++
		return os.Rename(tmp, out)
	}
	write := func(path, text string) error {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		made++
		return os.WriteFile(path, []byte(text), 0o644)
	}
	image := func(out, src, size string) error {
		return ff(out, "-f", "lavfi", "-i", src+"=size="+size, "-frames:v", "1", "-f", "image2")
	}
	// video makes a Matroska film; chapters (an ffmetadata file) and subs
	// (an .srt, muxed as an English subrip stream) are optional.
	video := func(out, title, src string, secs int, chapters, subs string) error {
		args := []string{"-f", "lavfi", "-t", fmt.Sprint(secs), "-i", fmt.Sprintf("%s=size=320x180:rate=15", src),
			"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=330:duration=%d", secs)}
		maps := []string{"-map", "0:v", "-map", "1:a"}
		inputs := 2
		if chapters != "" {
			args = append(args, "-i", chapters, "-map_metadata", "2", "-map_chapters", "2")
			inputs++
		}
		if subs != "" {
			args = append(args, "-i", subs)
			maps = append(maps, "-map", fmt.Sprintf("%d:s", inputs), "-c:s", "srt", "-metadata:s:s:0", "language=eng")
		}
		args = append(args, maps...)
		args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
			"-metadata", "title="+title, "-f", "matroska")
		return ff(out, args...)
	}
	movies := filepath.Join(root, "Movies")
	chapters := filepath.Join(root, ".chapters.txt")
	if err := write(chapters, ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=Opening\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=4000\ntitle=Ending\n"); err != nil {
		return made, err
	}
	// Colour Bars has subtitles: a stream inside the file, and French ones
	// beside it (Colour Bars (1999).fr.srt).
	inner := filepath.Join(root, ".subtitles.srt")
	if err := write(inner, "1\n00:00:00,500 --> 00:00:02,000\nThese are colour bars.\n\n2\n00:00:02,500 --> 00:00:03,500\nThey test a screen.\n"); err != nil {
		return made, err
	}
	for i, m := range []struct{ dir, title, src string }{
		{"Test Pattern (2001)", "Test Pattern", "testsrc"},
		{"Colour Bars (1999)", "Colour Bars", "smptebars"},
		{"The Mandelbrot Set (2010)", "The Mandelbrot Set", "mandelbrot"},
	} {
		d := filepath.Join(movies, m.dir)
		ch, subs := "", ""
		switch i {
		case 0:
			ch = chapters
		case 1:
			subs = inner
			if err := write(filepath.Join(d, m.dir+".fr.srt"), "1\r\n00:00:00,500 --> 00:00:02,000\r\nCe sont des barres de couleur.\r\n\r\n"+
				"2\r\n00:00:02,500 --> 00:00:03,500\r\nElles testent un écran.\r\n"); err != nil {
				return made, err
			}
		}
		if err := video(filepath.Join(d, m.dir+".mkv"), m.title, m.src, 4, ch, subs); err != nil {
			return made, err
		}
		if err := image(filepath.Join(d, "poster.jpg"), m.src, "200x300"); err != nil {
			return made, err
		}
	}
	if err := write(filepath.Join(movies, "Test Pattern (2001)", "movie.nfo"), `<?xml version="1.0" encoding="UTF-8"?>
<movie>
  <title>Test Pattern</title>
  <year>2001</year>
  <plot>A test card, a tone and two chapters: everything a scanner needs to see.</plot>
  <genre>Documentary</genre>
  <studio>jellyha Studios</studio>
  <director>Ada Lovelace</director>
  <actor><name>Grace Hopper</name><role>The Pattern</role></actor>
</movie>
`); err != nil {
		return made, err
	}
	show := filepath.Join(root, "Shows", "Demo Show (2020)")
	if err := write(filepath.Join(show, "tvshow.nfo"), `<?xml version="1.0" encoding="UTF-8"?>
<tvshow><title>Demo Show</title><year>2020</year><plot>Tiny episodes of test patterns.</plot><genre>Animation</genre></tvshow>
`); err != nil {
		return made, err
	}
	if err := image(filepath.Join(show, "poster.jpg"), "rgbtestsrc", "200x300"); err != nil {
		return made, err
	}
	for season := 1; season <= 2; season++ {
		for ep := 1; ep <= 2; ep++ {
			name := fmt.Sprintf("Demo Show S%02dE%02d", season, ep)
			if err := video(filepath.Join(show, fmt.Sprintf("Season %02d", season), name+".mkv"), name, "testsrc2", 1, "", ""); err != nil {
				return made, err
			}
		}
	}
	album := filepath.Join(root, "Music", "The Oscillators", "Pure Tones (2021)")
	cover := filepath.Join(root, ".cover.jpg")
	if err := image(cover, "testsrc", "300x300"); err != nil {
		return made, err
	}
	for i, hz := range []int{220, 330, 440, 550} {
		title := fmt.Sprintf("%d Hertz", hz)
		out := filepath.Join(album, fmt.Sprintf("%02d %s.flac", i+1, title))
		if err := ff(out, "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=2", hz), "-i", cover,
			"-map", "0:a", "-map", "1:v", "-c:a", "flac", "-c:v", "mjpeg", "-disposition:v", "attached_pic",
			"-metadata", "title="+title, "-metadata", "artist=The Oscillators", "-metadata", "album_artist=The Oscillators",
			"-metadata", "album=Pure Tones", "-metadata", fmt.Sprintf("track=%d", i+1), "-metadata", "date=2021",
			"-metadata", "genre=Electronic", "-f", "flac"); err != nil {
			return made, err
		}
	}
	// Synced lyrics beside one song, as music libraries keep them.
	if err := write(filepath.Join(album, "03 440 Hertz.lrc"), "[ti:440 Hertz]\n[ar:The Oscillators]\n"+
		"[00:00.00]A is four hundred and forty\n[00:01.00]Tune to it\n"); err != nil {
		return made, err
	}
	return made, nil
}
