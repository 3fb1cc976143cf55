package media

import (
	"testing"
	"time"
)

// The tag must be Jellyfin's, so that clients of a migrated server keep the
// pictures they cached: MD5 of the path and LastModified's .NET ticks
// (computed independently: 638397614451234567 ticks).
func TestUserImageTag(t *testing.T) {
	im := &UserImage{Path: "/config/users/bob/profile.jpg", LastModified: time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)}
	if got, want := im.Tag(), "39cf506fca1b004b6a19b2167ad70306"; got != want {
		t.Errorf("tag %s, want %s", got, want)
	}
	later := *im
	later.LastModified = later.LastModified.Add(time.Microsecond)
	if later.Tag() == im.Tag() {
		t.Error("the tag does not change with LastModified")
	}
}
