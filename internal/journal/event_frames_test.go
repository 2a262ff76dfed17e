package journal

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestAppendEventFrames(t *testing.T) {
	at := time.Unix(1_700_000_000, 5).UTC()
	big := strings.Repeat("x", EventFrameTarget/3)
	tests := []struct {
		name       string
		events     []string
		wantFrames int
	}{
		{"one small", []string{"a"}, 1},
		{"many small", []string{"a", "b", "c", "d"}, 1},
		{"split at the target", []string{big, big, big, big}, 2},
		{"an entry larger than the target stands alone", []string{"a", big + big + big + big, "b"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFramer("test", nil, FileInfo{})
			if err != nil {
				t.Fatal(err)
			}
			var entries []byte
			for i, e := range tt.events {
				entries = AppendEvent(entries, at, i == 0, []byte(e))
			}
			file := f.AppendHeader(nil)
			sw := NewSnapshotWriter(&appender{&file}, f, 0)
			if _, err := sw.Write([]byte("state")); err != nil {
				t.Fatal(err)
			}
			if err := sw.Close(); err != nil {
				t.Fatal(err)
			}
			before := f.NextIndex()
			if file, err = AppendEventFrames(file, f, FlagSynced, entries); err != nil {
				t.Fatal(err)
			}
			if got := int(f.NextIndex() - before); got != tt.wantFrames {
				t.Fatalf("%d frames, want %d", got, tt.wantFrames)
			}
			r, err := NewReader(bytes.NewReader(file), "test", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r.Snapshot()); err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.events {
				ev, err := r.Next()
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if string(ev.Data) != want || ev.Reset != (i == 0) || !ev.At.Equal(at) {
					t.Fatalf("event %d: got %d bytes reset=%v at %v", i, len(ev.Data), ev.Reset, ev.At)
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("after the events: %v, want io.EOF", err)
			}
		})
	}
}

func TestAppendEventFramesMalformed(t *testing.T) {
	f, err := NewFramer("test", nil, FileInfo{})
	if err != nil {
		t.Fatal(err)
	}
	entries := AppendEvent(nil, time.Unix(1, 0), true, []byte("abc"))
	if _, err := AppendEventFrames(nil, f, 0, entries[:len(entries)-1]); err == nil {
		t.Fatal("a cut entry was framed")
	}
	if f.NextIndex() != 0 {
		t.Fatalf("a failed append used index %d", f.NextIndex())
	}
}

type appender struct{ b *[]byte }

func (a *appender) Write(p []byte) (int, error) {
	*a.b = append(*a.b, p...)
	return len(p), nil
}
