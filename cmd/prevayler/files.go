package main

import (
	"context"
	"crypto/cipher"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/prevayler-go/prevayler/store"
)

// location is an opened store and how to name its files for people.
type location struct {
	url  string
	s    store.Store
	base string // prefix of every displayed file name
}

// openLocation opens the store rawURL names. The caller closes l.s.
func openLocation(ctx context.Context, rawURL string) (*location, error) {
	s, err := store.Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return &location{url: rawURL, s: s, base: displayBase(rawURL, s)}, nil
}

// displayBase returns the name of the journal itself: the local path, or
// the URL without its parameters.
func displayBase(rawURL string, s store.Store) string {
	if p, ok := s.(interface{ Path() string }); ok {
		return p.Path()
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	key := strings.TrimPrefix(u.Path, "/")
	if key == "" {
		key = "journal"
	}
	return u.Scheme + "://" + u.Host + "/" + key
}

// name returns how people see the file name of the store.
func (l *location) name(name string) string { return l.base + name }

// journalFiles classifies the files of a store.
type journalFiles struct {
	journal  *store.FileInfo
	backup   *store.FileInfo
	archives []store.FileInfo // oldest first: their names sort by time
	temps    []store.FileInfo
}

// current returns the file the next start recovers from: the backup when
// there is one, else the journal; nil if neither exists.
func (f journalFiles) current() *store.FileInfo {
	if f.backup != nil {
		return f.backup
	}
	return f.journal
}

// archiveBytes returns the size of every archive together.
func (f journalFiles) archiveBytes() int64 {
	var n int64
	for _, a := range f.archives {
		n += a.Size
	}
	return n
}

func listFiles(ctx context.Context, l *location) (journalFiles, error) {
	infos, err := l.s.List(ctx)
	if err != nil {
		return journalFiles{}, fmt.Errorf("list %s: %w", l.url, err)
	}
	var f journalFiles
	for i := range infos {
		fi := infos[i]
		switch {
		case fi.Name == store.Journal:
			f.journal = &fi
		case fi.Name == store.Backup:
			f.backup = &fi
		case strings.HasPrefix(fi.Name, store.ArchivePrefix):
			f.archives = append(f.archives, fi)
		case strings.HasPrefix(fi.Name, store.TempPrefix):
			f.temps = append(f.temps, fi)
		}
	}
	byName := func(a, b store.FileInfo) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(f.archives, byName)
	slices.SortFunc(f.temps, byName)
	return f, nil
}

// openForReading is the common start of the commands that read a journal
// (inspect, verify): parse the flags and the one URL, build the key, open
// the store and list its files. The caller closes l.s.
func openForReading(ctx context.Context, fs *flag.FlagSet, k *keyFlags, args []string) (cipher.AEAD, *location, journalFiles, error) {
	pos, err := parseArgs(fs, args, 1, "one URL")
	if err != nil {
		return nil, nil, journalFiles{}, err
	}
	aead, err := k.aead()
	if err != nil {
		return nil, nil, journalFiles{}, err
	}
	l, err := openLocation(ctx, pos[0])
	if err != nil {
		return nil, nil, journalFiles{}, err
	}
	files, err := listFiles(ctx, l)
	if err != nil {
		l.s.Close()
		return nil, nil, journalFiles{}, err
	}
	return aead, l, files, nil
}
