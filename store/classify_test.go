package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

func TestClassify(t *testing.T) {
	j := store.FileInfo{Name: store.Journal, Size: 10}
	b := store.FileInfo{Name: store.Backup, Size: 20}
	a1 := store.FileInfo{Name: store.ArchiveName(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)), Size: 1}
	a2 := store.FileInfo{Name: store.ArchiveName(time.Date(2026, 1, 2, 3, 4, 5, 7, time.UTC)), Size: 2}
	a3 := store.FileInfo{Name: store.ArchiveName(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)), Size: 3}
	t1 := store.FileInfo{Name: store.TempPrefix + "aa"}
	t2 := store.FileInfo{Name: store.TempPrefix + "bb"}
	other := store.FileInfo{Name: ".unknown"}
	tests := []struct {
		name    string
		files   []store.FileInfo
		want    store.Files
		current *store.FileInfo
	}{
		{"empty", nil, store.Files{}, nil},
		{"journal only", []store.FileInfo{j}, store.Files{Journal: &j}, &j},
		{"backup only", []store.FileInfo{b}, store.Files{Backup: &b}, &b},
		{"the backup takes precedence", []store.FileInfo{j, b}, store.Files{Journal: &j, Backup: &b}, &b},
		{"archives oldest first, whatever the listing order",
			[]store.FileInfo{a3, j, a1, a2},
			store.Files{Journal: &j, Archives: []store.FileInfo{a1, a2, a3}}, &j},
		{"temporaries by name, never current",
			[]store.FileInfo{t2, t1},
			store.Files{Temps: []store.FileInfo{t1, t2}}, nil},
		{"names of no kind are left out",
			[]store.FileInfo{other, b, t1, a2},
			store.Files{Backup: &b, Archives: []store.FileInfo{a2}, Temps: []store.FileInfo{t1}}, &b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := store.Classify(tt.files)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Classify(%v) = %+v, want %+v", tt.files, got, tt.want)
			}
			if cur := got.Current(); !reflect.DeepEqual(cur, tt.current) {
				t.Errorf("Current() = %+v, want %+v", cur, tt.current)
			}
		})
	}
}

func TestClassifyDoesNotAliasTheListing(t *testing.T) {
	files := []store.FileInfo{{Name: store.Journal, Size: 1}, {Name: store.Backup, Size: 2}}
	got := store.Classify(files)
	files[0].Size, files[1].Size = 100, 200
	if got.Journal.Size != 1 || got.Backup.Size != 2 {
		t.Fatalf("Classify's result changed with the listing: %+v %+v", *got.Journal, *got.Backup)
	}
}

func TestArchiveTime(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 41, 33, 123456789, time.FixedZone("x", 3600))
	tests := []struct {
		name   string
		want   time.Time
		wantOK bool
	}{
		{store.ArchiveName(at), at.UTC(), true},
		{store.ArchivePrefix + "not a time", time.Time{}, false},
		{store.ArchivePrefix, time.Time{}, false},
		{store.Backup, time.Time{}, false},
		{store.TempPrefix + "20261127T124133.000000000Z", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := store.ArchiveTime(tt.name)
		if ok != tt.wantOK || !got.Equal(tt.want) {
			t.Errorf("ArchiveTime(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}
