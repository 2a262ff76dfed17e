package store

import (
	"slices"
	"strings"
	"time"
)

// Files is a journal's listing sorted by the kinds of the package
// documentation's # Files.
type Files struct {
	Journal  *FileInfo  // the live journal; nil if there is none
	Backup   *FileInfo  // the journal being replaced; nil if there is none
	Archives []FileInfo // retired journals, oldest first
	Temps    []FileInfo // journals being written, by name; never read
}

// Classify sorts the listing of a store (List) into its journal, its
// backup, its archives and its temporaries. Names of no kind are left
// out. Archives are ordered by name, which is their order in time
// (ArchiveTimeFormat sorts as text).
func Classify(files []FileInfo) Files {
	var f Files
	for _, fi := range files {
		switch {
		case fi.Name == Journal:
			f.Journal = &fi
		case fi.Name == Backup:
			f.Backup = &fi
		case strings.HasPrefix(fi.Name, ArchivePrefix):
			f.Archives = append(f.Archives, fi)
		case strings.HasPrefix(fi.Name, TempPrefix):
			f.Temps = append(f.Temps, fi)
		}
	}
	byName := func(a, b FileInfo) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(f.Archives, byName)
	slices.SortFunc(f.Temps, byName)
	return f
}

// Current returns the file a start recovers from (step 2 of the
// protocol): the backup when there is one, since the journal beside it is
// an unfinished rewrite, else the journal; nil if neither exists.
func (f Files) Current() *FileInfo {
	if f.Backup != nil {
		return f.Backup
	}
	return f.Journal
}

// ArchiveTime returns the time in an archive name made by ArchiveName,
// and false for any other name.
func ArchiveTime(name string) (time.Time, bool) {
	stamp, ok := strings.CutPrefix(name, ArchivePrefix)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(ArchiveTimeFormat, stamp)
	return t, err == nil
}
