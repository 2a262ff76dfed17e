package localstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/prevayler-go/prevayler/store"
)

// Importing the package makes store.Open understand local paths and
// "file" URLs.
func init() { store.Register("file", openURL) }

// openURL is the store.Opener of the "file" scheme. It accepts
//
//	data/journal                 (store.Open passes a path as Path)
//	file:data/journal            relative to the working directory
//	file:/var/lib/app/journal    absolute
//	file:///var/lib/app/journal  absolute, empty host
//	file://localhost/var/lib/app/journal
//
// and no parameters.
func openURL(_ context.Context, u *url.URL) (store.Store, error) {
	path, err := urlPath(u)
	if err != nil {
		return nil, err
	}
	return New(path), nil
}

// urlPath returns the journal path a "file" URL names.
func urlPath(u *url.URL) (string, error) {
	if err := store.CheckParams(u); err != nil {
		return "", err
	}
	switch {
	case u.Fragment != "" || u.RawFragment != "":
		return "", fmt.Errorf("unexpected fragment %q in a file URL", u.Fragment)
	case u.User != nil:
		return "", errors.New("a file URL has no user")
	case u.Host != "" && u.Host != "localhost":
		return "", fmt.Errorf("file URL names host %q: only local files are supported", u.Host)
	}
	path := u.Path
	if u.Opaque != "" {
		// file:data/journal: the relative path is opaque, still escaped.
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return "", fmt.Errorf("malformed path %q: %w", u.Opaque, err)
		}
		path = p
	}
	if path == "" {
		return "", errors.New("file URL names no path")
	}
	return path, nil
}
