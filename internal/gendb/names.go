package gendb

import (
	"strconv"
	"strings"
)

// Word lists the generated names are made of. A few words carry
// diacritics, so that CleanName and CleanValue differ from the names.
var (
	adjectives = []string{"Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Midnight", "Distant", "Frozen", "Electric",
		"Savage", "Quiet", "Endless", "Lost", "Burning", "Hollow", "Iron", "Secret", "Wild", "Fallen",
		"Bright", "Dark", "Final", "First", "Velvet", "Restless", "Sacred", "Bitter", "Northern", "Crooked",
		"Little", "Brave", "Strange", "Perfect", "Empty", "Scarlet", "Forgotten", "Eternal", "Rising", "Wandering"}
	nouns = []string{"River", "Protocol", "Garden", "Empire", "Signal", "Horizon", "Harbor", "Kingdom", "Machine", "Shadow",
		"Station", "Summer", "Winter", "Orchard", "Frontier", "Mirror", "Circus", "Voyage", "Witness", "Paradise",
		"Island", "Country", "Engine", "Legacy", "Promise", "Detective", "Canyon", "Letter", "Theory", "Symphony",
		"Café", "Señor", "Mountain", "Highway", "Heist", "Académie", "Outpost", "Lighthouse", "Crossing", "Inheritance"}
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
		"Chloé", "Zoë", "José", "Renée", "Søren", "Ines", "Hiroshi", "Yuki", "Amara", "Kwame",
		"Lucía", "Mateo", "Aoife", "Niamh", "Björn", "Freya", "Ravi", "Priya", "Omar", "Leila",
		"Emma", "Noah", "Olivia", "Liam", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Hugo"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernández", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
		"Lee", "Perez", "Thompson", "White", "Harris", "Sánchez", "Clark", "Ramirez", "Lewis", "Robinson",
		"Müller", "Schmidt", "Dubois", "Lefèvre", "Rossi", "Bianchi", "Tanaka", "Suzuki", "Kowalski", "Novak",
		"O'Brien", "Murphy", "Nakamura", "Okafor", "Mensah", "Silva", "Costa", "Andersson", "Nielsen", "Virtanen"}
	videoGenres = []string{"Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy", "History",
		"Horror", "Music", "Mystery", "Romance", "Science Fiction", "Thriller", "War", "Western", "TV Movie", "Sci-Fi & Fantasy",
		"Action & Adventure", "Kids", "Reality", "Soap", "Talk", "News", "Mini-Series", "Suspense"}
	musicGenres = []string{"Rock", "Pop", "Jazz", "Electronic", "Hip-Hop", "Classical", "Folk", "Metal", "Blues", "Soul",
		"Ambient", "Indie", "Country", "Reggae", "Funk", "Punk", "Alternative", "R&B", "Soundtrack", "World"}
	studioSuffixes = []string{"Pictures", "Studios", "Films", "Entertainment", "Productions", "Media", "Television", "Animation"}
	tagWords       = []string{"based on novel", "time travel", "heist", "revenge", "small town", "dystopia", "road trip", "coming of age",
		"friendship", "survival", "space", "artificial intelligence", "conspiracy", "family", "journalism", "sports", "biography",
		"murder", "haunted house", "courtroom", "politics", "music", "cooking", "ocean", "desert", "new york city", "paris",
		"london", "tokyo", "1980s", "1990s", "world war ii", "cold war", "zombie", "vampire", "superhero", "dragon", "robot",
		"alien", "pirate", "detective", "spy", "hacker", "wedding", "school", "prison", "hospital", "island", "mountain", "winter",
		"café", "élite", "naïve"}
	characterRoles = []string{"Detective", "Doctor", "Captain", "Mother", "Father", "Narrator", "Sheriff", "Professor", "Agent", "Pilot",
		"Nurse", "Mayor", "Himself", "Herself", "Bartender", "Soldier", "Driver", "Reporter", "Judge", "Thief"}
	overviewWords = []string{"a", "the", "young", "detective", "must", "find", "her", "his", "family", "before", "it", "is", "too", "late",
		"when", "an", "old", "friend", "returns", "secret", "town", "with", "dangerous", "past", "uncovers", "journey", "across",
		"world", "to", "save", "love", "war", "city", "mystery", "of", "and", "in", "after", "years", "away"}
	languages = []string{"eng", "fre", "ger", "spa", "ita", "jpn", "por", "dut", "swe", "kor", "chi", "rus", "pol", "dan", "nor",
		"fin", "tur", "ara", "heb", "hin", "tha", "vie", "ces", "hun", "gre", "rum", "ukr", "ind", "may", "cat"}
	ratings = []string{"G", "PG", "PG-13", "R", "NC-17", "TV-14", "TV-MA", "TV-PG", "FR-12", "DE-16", "GB-15"}
)

// title makes a film or episode title.
func (g *gen) title() string {
	switch g.r.IntN(6) {
	case 0:
		return "The " + oneOf(g, adjectives) + " " + oneOf(g, nouns)
	case 1:
		return oneOf(g, nouns) + " of the " + oneOf(g, adjectives) + " " + oneOf(g, nouns)
	case 2:
		return "The " + oneOf(g, nouns)
	case 3:
		return oneOf(g, adjectives) + " " + oneOf(g, nouns) + " " + strconv.Itoa(2+g.r.IntN(3))
	default:
		return oneOf(g, adjectives) + " " + oneOf(g, nouns)
	}
}

// personName is the name of person pool entry i: unique for every i.
func personName(i int) string {
	nf, nl := len(firstNames), len(lastNames)
	name := firstNames[i%nf] + " " + lastNames[(i/nf)%nl]
	if k := i / (nf * nl); k > 0 {
		name = firstNames[i%nf] + " " + string(rune('A'+(k-1)%26)) + ". " + lastNames[(i/nf)%nl]
		if k > 26 {
			name += " " + strconv.Itoa(k/26+1)
		}
	}
	return name
}

// studioName is the name of studio pool entry i.
func studioName(i int) string {
	a, n := len(adjectives), len(nouns)
	name := adjectives[i%a] + " " + nouns[(i/a)%n] + " " + studioSuffixes[(i/(a*n))%len(studioSuffixes)]
	if k := i / (a * n * len(studioSuffixes)); k > 0 {
		name += " " + strconv.Itoa(k+1)
	}
	return name
}

// tagName is the name of tag pool entry i.
func tagName(i int) string {
	t := len(tagWords)
	if i < t {
		return tagWords[i]
	}
	i -= t
	return strings.ToLower(nouns[i%len(nouns)]) + " " + tagWords[(i/len(nouns))%t] + suffix(i/(len(nouns)*t))
}

func suffix(k int) string {
	if k == 0 {
		return ""
	}
	return " " + strconv.Itoa(k+1)
}

// overview is a sentence or three of filler text.
func (g *gen) overview() string {
	n := 12 + g.r.IntN(40)
	var b strings.Builder
	start := true
	for i := range n {
		w := oneOf(g, overviewWords)
		if start {
			w = strings.ToUpper(w[:1]) + w[1:]
			start = false
		}
		b.WriteString(w)
		switch {
		case i == n-1:
			b.WriteByte('.')
		case g.r.IntN(12) == 0:
			b.WriteString(". ")
			start = true
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// distinct picks n distinct pool indices below size, popular ones first.
func (g *gen) distinct(n, size int) []int {
	n = min(n, size)
	out := make([]int, 0, n)
	for len(out) < n {
		k := g.skewed(size)
		dup := false
		for _, o := range out {
			if o == k {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}

func (g *gen) genres(pool []string, n int) []string {
	idx := g.distinct(n, len(pool))
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = pool[k]
	}
	return out
}

func (g *gen) studios(n int) []string {
	idx := g.distinct(n, g.p.studios)
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = studioName(k)
	}
	return out
}

func (g *gen) tags(n int) []string {
	idx := g.distinct(n, g.p.tags)
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = tagName(k)
	}
	return out
}
