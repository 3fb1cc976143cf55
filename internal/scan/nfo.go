package scan

import (
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// nfo is the part of a Kodi-style .nfo file the scanner reads; the root
// element (movie, tvshow, episodedetails, album, artist) does not matter.
type nfo struct {
	Title         string   `xml:"title"`
	OriginalTitle string   `xml:"originaltitle"`
	SortTitle     string   `xml:"sorttitle"`
	Year          string   `xml:"year"`
	Plot          string   `xml:"plot"`
	Outline       string   `xml:"outline"`
	Tagline       string   `xml:"tagline"`
	MPAA          string   `xml:"mpaa"`
	Rating        string   `xml:"rating"`
	Genres        []string `xml:"genre"`
	Studios       []string `xml:"studio"`
	Tags          []string `xml:"tag"`
	Directors     []string `xml:"director"`
	Writers       []string `xml:"credits"`
	Season        string   `xml:"season"`
	Episode       string   `xml:"episode"`
	IMDB          string   `xml:"imdbid"`
	TMDB          string   `xml:"tmdbid"`
	UniqueIDs     []struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"uniqueid"`
	Actors []struct {
		Name string `xml:"name"`
		Role string `xml:"role"`
	} `xml:"actor"`
}

// readNFO parses an .nfo file. Kodi writes some with a URL line after the
// XML; only the XML document is read.
func readNFO(path string) (*nfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var n nfo
	d := xml.NewDecoder(strings.NewReader(string(b)))
	d.Strict = true
	if err := d.Decode(&n); err != nil {
		return nil, fmt.Errorf("not a valid .nfo document: %w", err)
	}
	return &n, nil
}

func (n *nfo) year() *int {
	y, err := strconv.Atoi(strings.TrimSpace(n.Year))
	if err != nil || y < 1800 || y > 3000 {
		return nil
	}
	return &y
}

// providerID returns an external id (imdb, tmdb) from the nfo.
func (n *nfo) providerID(kind string) string {
	for _, u := range n.UniqueIDs {
		if strings.EqualFold(u.Type, kind) && strings.TrimSpace(u.Value) != "" {
			return strings.TrimSpace(u.Value)
		}
	}
	switch kind {
	case "imdb":
		return strings.TrimSpace(n.IMDB)
	case "tmdb":
		return strings.TrimSpace(n.TMDB)
	}
	return ""
}

func (n *nfo) overview() string {
	if p := strings.TrimSpace(n.Plot); p != "" {
		return p
	}
	return strings.TrimSpace(n.Outline)
}
