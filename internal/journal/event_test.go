package journal

import (
	"bytes"
	"math"
	"testing"
	"time"
)

func TestAppendEventOverhead(t *testing.T) {
	extremes := []time.Time{
		time.Unix(math.MinInt64/2, 999_999_999),
		time.Unix(math.MaxInt64/2, 999_999_999),
		time.Unix(0, 0),
		time.Unix(-1, 1),
	}
	for _, at := range extremes {
		for _, n := range []int{0, 1, 127, 128, 1 << 14, 1 << 21} {
			data := make([]byte, n)
			got := len(AppendEvent(nil, at, true, data)) - n
			if got > EventOverhead {
				t.Errorf("at %v, %d bytes: overhead %d exceeds EventOverhead %d", at, n, got, EventOverhead)
			}
			entries, err := parseEntries(nil, AppendEvent(nil, at, true, data))
			if err != nil || len(entries) != 1 || int(entries[0].end-entries[0].start) != n ||
				entries[0].sec != at.Unix() || int(entries[0].nsec) != at.Nanosecond() {
				t.Errorf("at %v, %d bytes: parsed %+v, %v", at, n, entries, err)
			}
		}
	}
}

func TestParseEntries(t *testing.T) {
	at := time.Unix(1_700_000_000, 42)
	var good []byte
	good = AppendEvent(good, at, true, []byte("one"))
	good = AppendEvent(good, at.Add(time.Second), false, nil)
	good = AppendEvent(good, at.Add(-time.Hour), true, []byte("three"))
	entries, perr := parseEntries(nil, good)
	if perr != nil || len(entries) != 3 {
		t.Fatalf("parsed %d entries, %v", len(entries), perr)
	}
	want := []struct {
		sec   int64
		reset bool
		data  string
	}{{at.Unix(), true, "one"}, {at.Unix() + 1, false, ""}, {at.Unix() - 3600, true, "three"}}
	for i, w := range want {
		e := entries[i]
		if e.sec != w.sec || e.nsec != 42 || e.reset != w.reset || string(good[e.start:e.end]) != w.data {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
	}

	first := len(AppendEvent(nil, at, true, []byte("one")))
	bad := []struct {
		name    string
		payload []byte
		entry   int
		offset  int
	}{
		{"empty", nil, 0, 0},
		{"length only", []byte{0}, 0, 0},
		{"truncated length", []byte{0x80}, 0, 0},
		{"length past the end", []byte{9, 0, 0, 0}, 0, 0},
		{"no seconds", []byte{1, 0}, 0, 0},
		{"no nanoseconds", []byte{2, 0, 0}, 0, 0},
		{"nanoseconds 1e9", []byte{7, 0, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03}, 0, 0},
		{"unknown flag", []byte{3, 0x80, 0, 0}, 0, 0},
		{"second entry bad", append(bytes.Clone(good[:first]), 3, 0, 0), 1, first},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, perr := parseEntries(nil, c.payload)
			if perr == nil {
				t.Fatal("accepted")
			}
			if perr.entry != c.entry || perr.offset != c.offset {
				t.Fatalf("%v: want entry %d at byte %d", perr, c.entry, c.offset)
			}
		})
	}
}
