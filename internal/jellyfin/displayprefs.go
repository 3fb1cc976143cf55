package jellyfin

import (
	"crypto/md5" //nolint:gosec // Jellyfin derives display preference ids with MD5; an identifier
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/jellyha/jellyha/internal/media"
)

// Display preferences (GET/POST /DisplayPreferences/{id}): the web
// client's settings per user, client and "display preferences id". The id
// is a GUID, or any string, which Jellyfin turns into one with MD5 (the
// web client uses "usersettings"). Jellyfin keeps the fixed settings in
// DisplayPreferences and HomeSection, the view settings in
// ItemDisplayPreferences, and everything else in
// CustomItemDisplayPreferences; clients see them merged.

// DisplayPreferencesDto is the wire form.
type DisplayPreferencesDto struct {
	ID                 string `json:"Id"`
	ViewType           string `json:",omitempty"`
	SortBy             string
	IndexBy            string `json:",omitempty"`
	RememberIndexing   bool
	PrimaryImageHeight int
	PrimaryImageWidth  int
	CustomPrefs        map[string]*string
	ScrollDirection    string
	ShowBackdrop       bool
	RememberSorting    bool
	SortOrder          string
	ShowSidebar        bool
	Client             string
}

var homeSectionTypes = []string{"none", "smalllibrarytiles", "librarybuttons", "activerecordings", "resume", "resumeaudio",
	"latestmedia", "nextup", "livetv", "resumebook"}

var viewTypes = []string{"BannerView", "FanArt", "List", "Poster", "PosterCard", "Thumb", "ThumbCard", "Banner", "Grid", "Timeline",
	"Tags", "Studios", "Genres", "Artists", "Albums", "Songs", "Playlists", "Movies", "Series", "Episodes", "Collections"}

var indexKinds = []string{"PremiereDate", "ProductionYear", "CommunityRating"}

// displayPreferencesItem is the GUID a display preferences id stands for:
// the id itself, or the MD5 of its UTF-16 text read as a .NET Guid
// (Jellyfin's string.GetMD5()).
func displayPreferencesItem(s string) media.ID {
	if id, err := media.ParseID(s); err == nil {
		return id
	}
	return media.ID(dotnetMD5(s))
}

// dotnetMD5 is the MD5 of s as UTF-16 (.NET's Encoding.Unicode), read as a
// .NET Guid, whose first three fields are little-endian.
func dotnetMD5(s string) [16]byte {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		b[2*i], b[2*i+1] = byte(u), byte(u>>8)
	}
	sum := md5.Sum(b) //nolint:gosec // see the import
	sum[0], sum[1], sum[2], sum[3] = sum[3], sum[2], sum[1], sum[0]
	sum[4], sum[5] = sum[5], sum[4]
	sum[6], sum[7] = sum[7], sum[6]
	return sum
}

func str(s string) *string { return &s }

func nameOf(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return ""
}

func indexOf(names []string, s string) (int, bool) {
	for i, n := range names {
		if strings.EqualFold(n, s) {
			return i, true
		}
	}
	return 0, false
}

// prefsTarget reads the user, item and client of a request.
func (rt *Router) prefsTarget(r *http.Request, p *principal) (*viewer, media.ID, string, error) {
	v, err := rt.viewerOf(r, p)
	if err != nil {
		return nil, media.NilID, "", err
	}
	if v.user == nil {
		return nil, media.NilID, "", media.Errorf(media.EINVALID, "userId is required")
	}
	client := query(r, "client")
	if client == "" {
		client = "emby"
	}
	return v, displayPreferencesItem(r.PathValue("displayPreferencesId")), client, nil
}

// getDisplayPreferences answers the stored preferences, or Jellyfin's
// defaults when none are (without storing them).
func (rt *Router) getDisplayPreferences(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, item, client, err := rt.prefsTarget(r, p)
	if err != nil {
		return err
	}
	dp, ip, custom, err := rt.store.DisplayPreferences(r.Context(), v.user.ID, item, client)
	if err != nil {
		return err
	}
	if dp == nil {
		dp = &media.DisplayPreferences{ShowBackdrop: true, SkipForwardLength: 30000, SkipBackwardLength: 10000, EnableNextVideoInfoOverlay: true}
	}
	if ip == nil {
		ip = &media.ItemDisplayPreferences{SortBy: "SortName", ViewType: 3}
	}
	dto := &DisplayPreferencesDto{
		ID: item.Hyphenated(), ViewType: nameOf(viewTypes, ip.ViewType), SortBy: ip.SortBy, RememberIndexing: ip.RememberIndexing,
		CustomPrefs: map[string]*string{}, ScrollDirection: "Horizontal", ShowBackdrop: dp.ShowBackdrop, RememberSorting: ip.RememberSorting,
		SortOrder: "Ascending", ShowSidebar: dp.ShowSidebar, Client: client,
	}
	if dp.IndexBy != nil {
		dto.IndexBy = nameOf(indexKinds, *dp.IndexBy)
	}
	if dp.ScrollDirection == 1 {
		dto.ScrollDirection = "Vertical"
	}
	if ip.SortOrder == 1 {
		dto.SortOrder = "Descending"
	}
	for _, h := range dp.HomeSections {
		dto.CustomPrefs["homesection"+strconv.Itoa(h.Order)] = str(nameOf(homeSectionTypes, h.Type))
	}
	chromecast := "stable"
	if dp.ChromecastVersion == 1 {
		chromecast = "unstable"
	}
	dto.CustomPrefs["chromecastVersion"] = str(chromecast)
	dto.CustomPrefs["skipForwardLength"] = str(strconv.Itoa(dp.SkipForwardLength))
	dto.CustomPrefs["skipBackLength"] = str(strconv.Itoa(dp.SkipBackwardLength))
	dto.CustomPrefs["enableNextVideoInfoOverlay"] = str(strconv.FormatBool(dp.EnableNextVideoInfoOverlay))
	dto.CustomPrefs["tvhome"] = str(dp.TvHome)
	dto.CustomPrefs["dashboardTheme"] = str(dp.DashboardTheme)
	for k, val := range custom {
		if _, set := dto.CustomPrefs[k]; !set {
			dto.CustomPrefs[k] = val
		}
	}
	writeJSON(w, http.StatusOK, dto)
	return nil
}

// setDisplayPreferences stores a DisplayPreferencesDto: the settings with
// columns of their own are taken out of CustomPrefs, the rest replace the
// stored custom settings.
func (rt *Router) setDisplayPreferences(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, item, client, err := rt.prefsTarget(r, p)
	if err != nil {
		return err
	}
	var dto DisplayPreferencesDto
	if err := decode(r, &dto, true); err != nil {
		return err
	}
	dp := &media.DisplayPreferences{UserID: v.user.ID, ItemID: item, Client: client, ShowSidebar: dto.ShowSidebar, ShowBackdrop: dto.ShowBackdrop,
		SkipForwardLength: 30000, SkipBackwardLength: 10000, EnableNextVideoInfoOverlay: true}
	if strings.EqualFold(dto.ScrollDirection, "Vertical") {
		dp.ScrollDirection = 1
	}
	if i, ok := indexOf(indexKinds, dto.IndexBy); ok && dto.IndexBy != "" {
		dp.IndexBy = &i
	}
	custom := map[string]*string{}
	for k, val := range dto.CustomPrefs {
		custom[k] = val
	}
	take := func(key string) (string, bool) {
		val, ok := custom[key]
		delete(custom, key)
		if !ok || val == nil {
			return "", false
		}
		return *val, true
	}
	if s, ok := take("chromecastVersion"); ok && strings.EqualFold(s, "unstable") {
		dp.ChromecastVersion = 1
	}
	if s, ok := take("skipForwardLength"); ok {
		if n, err := strconv.Atoi(s); err == nil {
			dp.SkipForwardLength = n
		}
	}
	if s, ok := take("skipBackLength"); ok {
		if n, err := strconv.Atoi(s); err == nil {
			dp.SkipBackwardLength = n
		}
	}
	if s, ok := take("enableNextVideoInfoOverlay"); ok {
		if b, err := strconv.ParseBool(strings.ToLower(s)); err == nil {
			dp.EnableNextVideoInfoOverlay = b
		}
	}
	dp.DashboardTheme, _ = take("dashboardTheme")
	dp.TvHome, _ = take("tvhome")
	for k := range dto.CustomPrefs {
		rest, ok := strings.CutPrefix(strings.ToLower(k), "homesection")
		if !ok {
			continue
		}
		order, err := strconv.Atoi(rest)
		s, _ := take(k)
		if err != nil {
			continue
		}
		if t, ok := indexOf(homeSectionTypes, s); ok && t != 0 {
			dp.HomeSections = append(dp.HomeSections, media.HomeSection{Order: order, Type: t})
		}
	}
	ip := &media.ItemDisplayPreferences{SortBy: dto.SortBy, RememberIndexing: dto.RememberIndexing, RememberSorting: dto.RememberSorting}
	if ip.SortBy == "" {
		ip.SortBy = "SortName"
	}
	if strings.EqualFold(dto.SortOrder, "Descending") {
		ip.SortOrder = 1
	}
	if t, ok := indexOf(viewTypes, dto.ViewType); ok {
		ip.ViewType = t
	}
	if err := rt.store.SaveDisplayPreferences(r.Context(), dp, ip, custom); err != nil {
		return err
	}
	noContent(w)
	return nil
}
