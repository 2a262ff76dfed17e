package store

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// fakeStore is a Store that only remembers the URL it was opened with.
type fakeStore struct {
	Store
	u *url.URL
}

// registerFake registers, once per test binary (-count may run a test
// twice), an opener under scheme that accepts params and returns a
// fakeStore.
func registerFake(scheme string, params ...string) {
	registerOnce(scheme, func(_ context.Context, u *url.URL) (Store, error) {
		if err := CheckParams(u, params...); err != nil {
			return nil, err
		}
		return fakeStore{u: u}, nil
	})
}

func registerOnce(scheme string, opener Opener) {
	registryMu.RLock()
	_, done := registry[scheme]
	registryMu.RUnlock()
	if !done {
		Register(scheme, opener)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, scheme, path, opaque, host, query string
	}{
		{in: "data/journal", scheme: "file", path: "data/journal"},
		{in: "/var/lib/app/journal", scheme: "file", path: "/var/lib/app/journal"},
		{in: "./a:b/journal", scheme: "file", path: "./a:b/journal"},
		{in: "data/100%/j?x#y", scheme: "file", path: "data/100%/j?x#y"},
		{in: "1x:journal", scheme: "file", path: "1x:journal"},
		{in: "file:data/journal", scheme: "file", opaque: "data/journal"},
		{in: "FILE:///var/lib/journal", scheme: "file", path: "/var/lib/journal"},
		{in: "s3://bucket/apps/bank/journal?region=eu-west-1", scheme: "s3", host: "bucket", path: "/apps/bank/journal", query: "region=eu-west-1"},
	}
	for _, tt := range tests {
		u, err := parse(tt.in)
		if err != nil {
			t.Errorf("parse(%q): %v", tt.in, err)
			continue
		}
		if u.Scheme != tt.scheme || u.Path != tt.path || u.Opaque != tt.opaque || u.Host != tt.host || u.RawQuery != tt.query {
			t.Errorf("parse(%q) = scheme %q path %q opaque %q host %q query %q, want %q %q %q %q %q",
				tt.in, u.Scheme, u.Path, u.Opaque, u.Host, u.RawQuery, tt.scheme, tt.path, tt.opaque, tt.host, tt.query)
		}
	}
}

func TestOpenDispatches(t *testing.T) {
	registerFake("fake", "size")
	s, err := Open(context.Background(), "Fake://b/k?size=3")
	if err != nil {
		t.Fatal(err)
	}
	u := s.(fakeStore).u
	if u.Scheme != "fake" || u.Host != "b" || u.Path != "/k" || u.Query().Get("size") != "3" {
		t.Errorf("opener got %#v", u)
	}
}

func TestOpenErrors(t *testing.T) {
	registerFake("fake", "size")
	registerFake("bare")
	tests := []struct {
		url  string
		want []string // substrings of the error
	}{
		{"", []string{"empty URL"}},
		{"nope://x/y", []string{`unknown scheme "nope"`, "registered:", "fake"}},
		{"s3://bucket/journal", []string{`unknown scheme "s3"`, "import github.com/prevayler-go/prevayler/s3store"}},
		{"data/journal", []string{`unknown scheme "file"`, "localstore"}},
		{"fake://b/%zz", []string{"malformed URL", "%zz"}},
		{"fake://b/k?colour=red", []string{`unknown parameter "colour"`, "known: size"}},
		{"fake://b/k?size=1&size=2", []string{`parameter "size" given 2 times`}},
		{"fake://b/k?size=%zz", []string{"malformed query"}},
		{"bare://b/k?size=1", []string{`unknown parameter "size"`, "bare URLs take no parameters"}},
		{"fake://user:secret@b/k?colour=red", []string{"xxxxx", "colour"}},
	}
	for _, tt := range tests {
		_, err := Open(context.Background(), tt.url)
		if err == nil {
			t.Errorf("Open(%q) succeeded", tt.url)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%q) = %q, want it to contain %q", tt.url, err, w)
			}
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) = %q shows the password", tt.url, err)
		}
	}
}

var errFakeOpener = errors.New("no such bucket")

func TestOpenPassesOpenerError(t *testing.T) {
	sentinel := errFakeOpener
	registerOnce("failing", func(context.Context, *url.URL) (Store, error) { return nil, sentinel })
	_, err := Open(context.Background(), "failing://b/k")
	if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), `"failing://b/k"`) {
		t.Errorf("Open = %v, want it to wrap the opener's error and name the URL", err)
	}
}

func TestRegisterPanics(t *testing.T) {
	registerFake("fake", "size")
	ok := func(context.Context, *url.URL) (Store, error) { return nil, nil }
	tests := []struct {
		name   string
		scheme string
		opener func(context.Context, *url.URL) (Store, error)
	}{
		{"nil opener", "newscheme", nil},
		{"duplicate", "fake", ok},
		{"duplicate in another case", "FAKE", ok},
		{"empty scheme", "", ok},
		{"invalid scheme", "a/b", ok},
		{"scheme starting with a digit", "3s", ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", tt.scheme)
				}
			}()
			Register(tt.scheme, tt.opener)
		})
	}
}

func TestSchemes(t *testing.T) {
	registerFake("fake", "size")
	registerFake("bare")
	got := Schemes()
	if !slices.IsSorted(got) || !slices.Contains(got, "bare") || !slices.Contains(got, "fake") {
		t.Errorf("Schemes() = %v, want sorted and holding bare and fake", got)
	}
}

// FuzzParse checks that any string parses without panicking, and that a
// string without a scheme reaches the file opener as the path it is.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"data/journal", "file:data/journal", "file:///var/journal", "s3://b/k?region=x", "a:b", ":x", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parse(s)
		if err != nil {
			return
		}
		i := strings.IndexByte(s, ':')
		if i <= 0 || !validScheme(s[:i]) {
			if u.Scheme != "file" || u.Path != s {
				t.Errorf("parse(%q) = %q %q, want the file path itself", s, u.Scheme, u.Path)
			}
		} else if u.Scheme != strings.ToLower(s[:i]) {
			t.Errorf("parse(%q) has scheme %q", s, u.Scheme)
		}
	})
}
