package schema

import "testing"

func TestPostgresSecondaries(t *testing.T) {
	idx, fks := 0, 0
	names := map[string]bool{}
	for _, s := range PostgresSecondaries() {
		names[s.Name] = true
		if s.Index {
			idx++
		} else {
			fks++
		}
		if s.Table == "" || s.Name == "" || s.Create == "" || s.Drop == "" {
			t.Errorf("incomplete %+v", s)
		}
	}
	// 52 indexes less the 10 unique ones, and jellyha's 5 browse indexes
	// on BaseItems and UserData (0007's series index replaced by 0008's);
	// 25 foreign keys.
	if idx != 47 || fks != 25 {
		t.Errorf("%d indexes and %d foreign keys, want 47 and 25", idx, fks)
	}
	if names["jellyha_BaseItems_SeriesId_Episodes"] || !names["jellyha_BaseItems_SeriesId_Position"] {
		t.Error("the series index dropped by migration 0008 is listed, or its replacement is not")
	}
}
