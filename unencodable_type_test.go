package prevayler

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"testing"
)

type unregistered struct{ N int }

type hidden struct{ n int }

func TestUnencodableTypeNamesWhatTheCodecCouldNotEncode(t *testing.T) {
	gobErr := func(v any) error { return gob.NewEncoder(&bytes.Buffer{}).Encode(v) }
	jsonErr := func(v any) error { _, err := json.Marshal(v); return err }
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"gob, interface value of an unregistered type", gobErr(struct{ V []any }{[]any{unregistered{1}}}), "prevayler.unregistered"},
		{"gob, no exported fields", gobErr(hidden{1}), "prevayler.hidden"},
		{"json, unsupported type", jsonErr(struct{ C chan int }{make(chan int)}), "chan int"},
		{"no type in the message", errors.New("boom"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil {
				t.Fatal("the codec encoded it")
			}
			if got := unencodableType(unencodable(c.err)); got != c.want {
				t.Fatalf("unencodableType(%q) = %q, want %q", c.err, got, c.want)
			}
		})
	}
}
