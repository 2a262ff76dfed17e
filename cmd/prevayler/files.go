package main

import (
	"context"
	"crypto/cipher"
	"flag"
	"fmt"
	"net/url"
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

// archiveBytes returns the size of every archive together.
func archiveBytes(f store.Files) int64 {
	var n int64
	for _, a := range f.Archives {
		n += a.Size
	}
	return n
}

func listFiles(ctx context.Context, l *location) (store.Files, error) {
	infos, err := l.s.List(ctx)
	if err != nil {
		return store.Files{}, fmt.Errorf("list %s: %w", l.url, err)
	}
	return store.Classify(infos), nil
}

// openForReading is the common start of the commands that read a journal
// (inspect, verify): parse the flags and the one URL, build the key, open
// the store and list its files. The caller closes l.s.
func openForReading(ctx context.Context, fs *flag.FlagSet, k *keyFlags, args []string) (cipher.AEAD, *location, store.Files, error) {
	pos, err := parseArgs(fs, args, 1, "one URL")
	if err != nil {
		return nil, nil, store.Files{}, err
	}
	aead, err := k.aead()
	if err != nil {
		return nil, nil, store.Files{}, err
	}
	l, err := openLocation(ctx, pos[0])
	if err != nil {
		return nil, nil, store.Files{}, err
	}
	files, err := listFiles(ctx, l)
	if err != nil {
		l.s.Close()
		return nil, nil, store.Files{}, err
	}
	return aead, l, files, nil
}

// openPair opens the stores of a command that reads SRC and writes DST.
// On an error neither is left open.
func openPair(ctx context.Context, srcURL, dstURL string) (src, dst *location, err error) {
	if src, err = openLocation(ctx, srcURL); err != nil {
		return nil, nil, err
	}
	if dst, err = openLocation(ctx, dstURL); err != nil {
		src.s.Close()
		return nil, nil, err
	}
	return src, dst, nil
}
