package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Opener opens the store a URL names. It receives the parsed URL with its
// scheme in lower case, and reports a parameter it does not know, or a part
// of the URL it cannot use, as an error naming it.
type Opener func(ctx context.Context, u *url.URL) (Store, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Opener{}
)

// hints name the package that registers a well-known scheme, for the error
// of a program that forgot to import it.
var hints = map[string]string{
	"file": "github.com/prevayler-go/prevayler/localstore",
	"s3":   "github.com/prevayler-go/prevayler/s3store",
}

// Register makes a store available to Open under a URL scheme, such as
// "file" or "s3". Store packages call it from an init function, so that
// importing a package is what makes its scheme available and a program
// links only the stores it imports:
//
//	import _ "github.com/prevayler-go/prevayler/s3store" // registers "s3"
//
// Schemes are case-insensitive. Register panics if opener is nil, if the
// scheme is not a valid URL scheme, or if it is already registered: two
// packages claiming one scheme is a programming error.
func Register(scheme string, opener func(ctx context.Context, u *url.URL) (Store, error)) {
	if opener == nil {
		panic("store: Register " + scheme + ": nil opener")
	}
	if !validScheme(scheme) {
		panic(fmt.Sprintf("store: Register: invalid scheme %q", scheme))
	}
	scheme = strings.ToLower(scheme)
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("store: Register called twice for scheme " + scheme)
	}
	registry[scheme] = opener
}

// Schemes returns the registered schemes, sorted.
func Schemes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	s := make([]string, 0, len(registry))
	for k := range registry {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// Open returns the store that rawURL names, so that a program can move its
// journal from one store to another by configuration. The scheme picks a
// store registered with Register; a string without a scheme is a path of
// the local store, taken literally (no query, no escapes):
//
//	data/journal                        local store, relative path
//	file:data/journal                   the same
//	file:///var/lib/app/journal         local store, absolute path
//	s3://BUCKET/apps/bank/journal?region=eu-west-1&sleep=500ms
//	s3://BUCKET/journal?endpoint=http://127.0.0.1:4566
//
// The "file" scheme is registered by package localstore, which every
// program using package prevayler imports; "s3" by package s3store, which
// a program must import itself. The parameters each scheme accepts are
// documented by its package (localstore accepts none; s3store: region,
// endpoint, profile, pathstyle, sleep, buffer, concurrency, attempts,
// timeout).
//
// Open does no I/O beyond what building the store needs (s3: loading the
// AWS configuration); the store is not locked. A URL that does not parse,
// an unknown scheme, an unknown parameter or an invalid value is an error
// that names it.
func Open(ctx context.Context, rawURL string) (Store, error) {
	if rawURL == "" {
		return nil, fmt.Errorf("store: open: empty URL")
	}
	u, err := parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", rawURL, err)
	}
	registryMu.RLock()
	opener := registry[u.Scheme]
	registryMu.RUnlock()
	if opener == nil {
		msg := fmt.Sprintf("store: open %q: unknown scheme %q", rawURL, u.Scheme)
		if pkg := hints[u.Scheme]; pkg != "" {
			msg += fmt.Sprintf(" (import %s to register it)", pkg)
		} else if known := Schemes(); len(known) > 0 {
			msg += fmt.Sprintf(" (registered: %s)", strings.Join(known, ", "))
		}
		return nil, fmt.Errorf("%s", msg)
	}
	s, err := opener(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("store: open %q: %w", redact(rawURL, u), err)
	}
	return s, nil
}

// parse returns the URL of rawURL, or, for a string without a scheme, a
// "file" URL whose Path is the string itself.
func parse(rawURL string) (*url.URL, error) {
	i := strings.IndexByte(rawURL, ':')
	if i <= 0 || !validScheme(rawURL[:i]) {
		// A path such as "data/journal" or "./a:b": no scheme. Keeping it
		// out of url.Parse lets file names hold '?', '#' or '%'.
		return &url.URL{Scheme: "file", Path: rawURL}, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, which Open's message has
		// already given.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("malformed URL: %w", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, nil
}

// validScheme reports whether s is a URL scheme: a letter, then letters,
// digits, '+', '-' or '.'.
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// redact returns rawURL for error messages, without the password if it
// holds one.
func redact(rawURL string, u *url.URL) string {
	if _, has := u.User.Password(); has {
		return u.Redacted()
	}
	return rawURL
}

// CheckParams returns an error naming the first query parameter of u that
// is not in known, or that is given twice. Openers call it before reading
// their parameters.
func CheckParams(u *url.URL, known ...string) error {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fmt.Errorf("malformed query: %w", err)
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(known, k) {
			if len(known) == 0 {
				return fmt.Errorf("unknown parameter %q: %s URLs take no parameters", k, u.Scheme)
			}
			return fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
		if len(q[k]) > 1 {
			return fmt.Errorf("parameter %q given %d times", k, len(q[k]))
		}
	}
	return nil
}
