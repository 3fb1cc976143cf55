package gendb

import (
	"context"
	"crypto/md5" //nolint:gosec // Jellyfin derives some ids from MD5; not used for security
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// gen is one generation: the random source every value is drawn from, in
// a fixed order, and the rows waiting to be written.
type gen struct {
	s   *store.Store
	r   *rand.Rand
	p   profile
	now time.Time
	b   batch

	values map[valueKey]media.ID // ItemValues written or queued
	people map[int]media.ID      // person pool index → Peoples id

	lib struct {
		root, userRoot, movies, shows, music media.ID
	}
	users  []*user
	videos int // videos generated so far
	ids    struct{ imdb, tmdb, tvdb int }
}

type valueKey struct {
	typ  media.ItemValueType
	name string
}

// batch holds generated rows until they are written, parents first.
type batch struct {
	values      []media.ItemValue
	people      []media.Person
	items       []*media.LibraryItem
	valueMaps   []media.ItemValueMap
	personMaps  []media.PersonMap
	streams     []media.MediaStream
	chapters    []media.Chapter
	images      []media.ItemImage
	providers   []media.ItemProvider
	keyframes   []media.KeyframeData
	segments    []media.MediaSegment
	trickplay   []media.TrickplayInfo
	attachments []media.Attachment
	fields      []media.MetadataField
	trailers    []media.TrailerType
	userData    []media.UserData
	logs        []media.ActivityLog
}

func (g *gen) maybeFlush(ctx context.Context) error {
	if len(g.b.items) < g.p.batch {
		return nil
	}
	return g.flush(ctx)
}

// flush writes the batch: each table in one transaction, parents first.
func (g *gen) flush(ctx context.Context) error {
	b, s := &g.b, g.s
	if err := inOrder(
		func() error { return s.BulkInsertItemValues(ctx, b.values) },
		func() error { return s.BulkInsertPeople(ctx, b.people) },
		func() error { return s.BulkInsertItems(ctx, b.items) },
		func() error { return s.BulkInsertItemValueMaps(ctx, b.valueMaps) },
		func() error { return s.BulkInsertPersonMaps(ctx, b.personMaps) },
		func() error { return s.BulkInsertMediaStreams(ctx, b.streams) },
		func() error { return s.BulkInsertChapters(ctx, b.chapters) },
		func() error { return s.BulkInsertItemImages(ctx, b.images) },
		func() error { return s.BulkInsertItemProviders(ctx, b.providers) },
		func() error { return s.BulkInsertKeyframes(ctx, b.keyframes) },
		func() error { return s.BulkInsertMediaSegments(ctx, b.segments) },
		func() error { return s.BulkInsertTrickplay(ctx, b.trickplay) },
		func() error { return s.BulkInsertAttachments(ctx, b.attachments) },
		func() error { return s.BulkInsertMetadataFields(ctx, b.fields) },
		func() error { return s.BulkInsertTrailerTypes(ctx, b.trailers) },
		func() error { return s.BulkInsertUserData(ctx, b.userData) },
		func() error { return s.BulkInsertActivityLogs(ctx, b.logs) },
	); err != nil {
		return err
	}
	*b = batch{
		values: b.values[:0], people: b.people[:0], items: b.items[:0], valueMaps: b.valueMaps[:0],
		personMaps: b.personMaps[:0], streams: b.streams[:0], chapters: b.chapters[:0], images: b.images[:0],
		providers: b.providers[:0], keyframes: b.keyframes[:0], segments: b.segments[:0], trickplay: b.trickplay[:0],
		attachments: b.attachments[:0], fields: b.fields[:0], trailers: b.trailers[:0], userData: b.userData[:0], logs: b.logs[:0],
	}
	return nil
}

// inOrder runs steps until one fails.
func inOrder(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// --- random values ---

func (g *gen) pick(s span) int { return s.lo + g.r.IntN(s.hi-s.lo+1) }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func oneOf[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// skewed returns an index below n, small ones far more often: popular
// genres, tags and actors recur.
func (g *gen) skewed(n int) int {
	f := g.r.Float64()
	return min(n-1, int(float64(n)*f*f*f))
}

// id returns a version-4 GUID drawn from the generator's source.
func (g *gen) id() media.ID {
	var id media.ID
	a, b := g.r.Uint64(), g.r.Uint64()
	for i := range 8 {
		id[i] = byte(a >> (8 * i))
		id[8+i] = byte(b >> (8 * i))
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// token returns an access token: a GUID in "N" form.
func (g *gen) token() string { return g.id().String() }

// at returns a moment between from and to, at a random resolution: whole
// seconds, milliseconds or .NET's 100 ns ticks, so that the stored dates
// have 0 to 7 fraction digits as in real databases.
func (g *gen) at(from, to time.Time) time.Time {
	d := to.Sub(from)
	if d <= 0 {
		return from
	}
	t := from.Add(time.Duration(g.r.Int64N(int64(d))))
	switch x := g.r.IntN(10); {
	case x < 2:
		return t.Truncate(time.Second)
	case x < 4:
		return t.Truncate(time.Millisecond)
	default:
		return t.Truncate(100 * time.Nanosecond)
	}
}

// ago returns a moment up to d before now.
func (g *gen) ago(d time.Duration) time.Time { return g.at(g.now.Add(-d), g.now) }

func ptr[T any](v T) *T { return &v }

const (
	day  = 24 * time.Hour
	year = 365 * day
	tick = 100 * time.Nanosecond
)

// ticks converts a duration to .NET ticks (100 ns).
func ticks(d time.Duration) int64 { return int64(d / tick) }

// minDate is DateTime.MinValue as Jellyfin stores it after its UTC
// conversion on a server east of UTC: "0001-01-01 05:51:00".
var minDate = time.Date(1, 1, 1, 5, 51, 0, 0, time.UTC)

// dotnetGUIDFromMD5 is .NET's new Guid(MD5(UTF-16 text)), which Jellyfin
// uses to turn a display-preferences key such as "usersettings" into an
// item id: the first three groups of the hash are read little-endian.
func dotnetGUIDFromMD5(text string) media.ID {
	u := utf16.Encode([]rune(text))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	sum := md5.Sum(b) //nolint:gosec // an id, as Jellyfin computes it
	var id media.ID
	id[0], id[1], id[2], id[3] = sum[3], sum[2], sum[1], sum[0]
	id[4], id[5] = sum[5], sum[4]
	id[6], id[7] = sum[7], sum[6]
	copy(id[8:], sum[8:])
	return id
}

// md5Hex is the "N" form of an MD5 hash, as Jellyfin names segment providers.
func md5Hex(text string) string {
	sum := md5.Sum([]byte(text)) //nolint:gosec // an id, as Jellyfin computes it
	return hex.EncodeToString(sum[:])
}

// cleanValue is Jellyfin's GetCleanValue: diacritics removed, lower-cased.
func cleanValue(s string) string { return strings.ToLower(diacritics.Replace(s)) }

var diacritics = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a", "å", "a", "Á", "A", "Å", "A",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "É", "E",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o", "ø", "o", "Ö", "O",
	"ú", "u", "ù", "u", "û", "u", "ü", "u", "Ü", "U",
	"ñ", "n", "ç", "c", "Ç", "C", "ß", "ss",
)

// sortName is close to Jellyfin's SortName: lower case, leading article
// dropped.
func sortName(name string) string {
	s := strings.ToLower(name)
	for _, a := range []string{"the ", "a ", "an "} {
		if strings.HasPrefix(s, a) {
			return s[len(a):]
		}
	}
	return s
}

const base83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

// blurhash returns a well-formed BlurHash string with x by y components.
func (g *gen) blurhash(x, y int) string {
	n := 4 + 2*(x*y-1)
	b := make([]byte, 2, 2+n)
	b[0] = base83[(x-1)+(y-1)*9]
	b[1] = base83[g.r.IntN(83)]
	for range n {
		b = append(b, base83[g.r.IntN(83)])
	}
	return string(b)
}

// imagePath is where Jellyfin keeps an item's downloaded artwork.
func imagePath(id media.ID, file string) string {
	n := id.String()
	return "/config/metadata/library/" + n[:2] + "/" + n + "/" + file
}

// image queues an artwork row.
func (g *gen) image(item media.ID, typ int, file string, w, h int) {
	x, y := 4, 3
	if h > w {
		x, y = 3, 4
	}
	var modified *time.Time
	if !g.chance(0.05) { // nullable since 10.11; a few rows lack it
		modified = ptr(g.ago(3 * year))
	}
	hash := g.blurhash(x, y)
	if g.chance(0.03) {
		hash = "" // not computed yet
	}
	g.b.images = append(g.b.images, media.ItemImage{
		ID: g.id(), ItemID: item, ImageType: typ, Path: imagePath(item, file),
		Width: w, Height: h, DateModified: modified, Blurhash: hash,
	})
}

// value returns the id of an ItemValue, queueing it the first time.
func (g *gen) value(typ media.ItemValueType, name string) media.ID {
	k := valueKey{typ, name}
	if id, ok := g.values[k]; ok {
		return id
	}
	id := g.id()
	g.values[k] = id
	g.b.values = append(g.b.values, media.ItemValue{ID: id, Type: typ, Value: name, CleanValue: cleanValue(name)})
	return id
}

// mapValues queues ItemValuesMap rows of an item.
func (g *gen) mapValues(item media.ID, typ media.ItemValueType, names []string) {
	for _, n := range names {
		g.b.valueMaps = append(g.b.valueMaps, media.ItemValueMap{ItemID: item, ItemValueID: g.value(typ, n)})
	}
}

// person returns the Peoples id of pool entry i, queueing it the first time.
func (g *gen) person(i int, kind string) media.ID {
	if id, ok := g.people[i]; ok {
		return id
	}
	id := g.id()
	g.people[i] = id
	g.b.people = append(g.b.people, media.Person{ID: id, Name: personName(i), PersonType: kind})
	return id
}

// provider queues a provider id.
func (g *gen) provider(item media.ID, name, value string) {
	g.b.providers = append(g.b.providers, media.ItemProvider{ItemID: item, ProviderID: name, Value: value})
}

func (g *gen) nextImdb() string {
	g.ids.imdb += 1 + g.r.IntN(300)
	return "tt" + pad(g.ids.imdb, 7)
}

func (g *gen) nextTmdb() string {
	g.ids.tmdb += 1 + g.r.IntN(40)
	return strconv.Itoa(g.ids.tmdb)
}

func (g *gen) nextTvdb() string {
	g.ids.tvdb += 1 + g.r.IntN(60)
	return strconv.Itoa(g.ids.tvdb)
}

// pad writes n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
