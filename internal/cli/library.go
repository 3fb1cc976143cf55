package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/store"
)

const librarySynopsis = `library <add|list> [NAME --type TYPE PATH...] [flags]

  add NAME --type movies|tvshows|music|mixed PATH...
                 add a library of the given folders (scan it with
                 "jellyha scan" or from a client)
  list           list the libraries, their types and folders, and those
                 Jellyfin set up (a scan adopts them: "jellyha scan")

Flags:`

func runLibrary(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "library", librarySynopsis)
	var f config.Flags
	f.Register(fs)
	typ := fs.String("type", "", "collection type: "+strings.Join(store.CollectionTypes, ", "))
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	sub, pos, err := parseSub(e, fs, args)
	if err != nil {
		return err
	}
	switch {
	case sub == "list" && len(pos) == 0:
	case sub == "add" && len(pos) >= 2 && *typ != "":
	default:
		fmt.Fprintf(e.stderr, "jellyha library: give \"add NAME --type TYPE PATH...\" or \"list\"\n\n")
		fs.Usage()
		return exitError{2}
	}
	s, _, _, closeDB, err := openStore(ctx, e, &f, *logLevel)
	if err != nil {
		return err
	}
	defer closeDB()
	if sub == "list" {
		libs, err := s.Libraries(ctx)
		if err != nil {
			return err
		}
		// And those Jellyfin set up that no scan or change has adopted yet.
		jl, err := s.JellyfinLibraries(ctx)
		if err != nil {
			return err
		}
		if len(libs)+len(jl) == 0 {
			fmt.Fprintln(e.stdout, "no libraries; add one with: jellyha library add NAME --type movies PATH")
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTYPE\tFOLDERS\tNOTE")
		for _, l := range libs {
			note := ""
			if l.Layout == store.LayoutJellyfin {
				note = "set up by Jellyfin, adopted"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, l.CollectionType, strings.Join(l.Paths, ", "), note)
		}
		for _, l := range jl {
			typ, note := l.CollectionType, "set up by Jellyfin; the next scan adopts it"
			if typ == "" {
				typ = "mixed"
			}
			if !slices.Contains(store.CollectionTypes, typ) {
				note = "set up by Jellyfin; jellyha does not scan " + typ
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, typ, strings.Join(l.Paths, ", "), note)
		}
		return tw.Flush()
	}
	l := &store.Library{Name: pos[0], CollectionType: *typ}
	for _, p := range pos[1:] {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", abs)
		}
		l.Paths = append(l.Paths, abs)
	}
	if err := s.CreateLibrary(ctx, l); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added the %s library %q (%s); scan it with: jellyha scan --library %q\n", l.CollectionType, l.Name, strings.Join(l.Paths, ", "), l.Name)
	return nil
}
