package machine

import (
	"runtime"
	"testing"
)

func TestDescribe(t *testing.T) {
	in := Describe(t.TempDir())
	if in.Cores != runtime.NumCPU() || in.GoVersion != runtime.Version() || in.Date.IsZero() {
		t.Fatalf("runtime fields wrong: %+v", in)
	}
	if runtime.GOOS != "linux" {
		t.Skip("the /proc fields exist on Linux only")
	}
	if in.CPU == "" || in.MemTotal <= 0 || in.Kernel == "" || in.FSType == "" {
		t.Fatalf("a /proc field is missing: %+v", in)
	}
}

func TestUnescapeAndWithin(t *testing.T) {
	if got := unescape(`/mnt/my\040disk`); got != "/mnt/my disk" {
		t.Errorf("unescape = %q", got)
	}
	if got := unescape(`/plain`); got != "/plain" {
		t.Errorf("unescape = %q", got)
	}
	for _, c := range []struct {
		path, mount string
		want        bool
	}{
		{"/tmp/x", "/", true},
		{"/tmp/x", "/tmp", true},
		{"/tmpfoo", "/tmp", false},
		{"/tmp", "/tmp", true},
	} {
		if got := within(c.path, c.mount); got != c.want {
			t.Errorf("within(%q, %q) = %v", c.path, c.mount, got)
		}
	}
}
