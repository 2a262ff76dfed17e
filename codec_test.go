package prevayler_test

import (
	"context"
	"encoding/gob"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

var gobRegister = gob.Register

type account struct {
	Owner   string
	Balance int64
}

func deposit(s map[string]account, e account, _ time.Time) (map[string]account, int64, error) {
	next := make(map[string]account, len(s)+1)
	for k, v := range s {
		next[k] = v
	}
	a := next[e.Owner]
	a.Owner, a.Balance = e.Owner, a.Balance+e.Balance
	next[e.Owner] = a
	return next, a.Balance, nil
}

func TestCodecs(t *testing.T) {
	for _, c := range []prevayler.Codec{prevayler.Gob, prevayler.JSON} {
		t.Run(c.Name(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal")
			open := func(c prevayler.Codec) (*prevayler.Prevayler[map[string]account, account, int64], error) {
				return prevayler.Open(context.Background(), deposit, prevayler.Options[map[string]account]{
					Store: localstore.New(path), Codec: c, InitialState: map[string]account{},
				})
			}
			p, err := open(c)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 10; i++ {
				if _, err := p.Handle(context.Background(), account{Owner: []string{"ann", "bob"}[i%2], Balance: int64(i)}); err != nil {
					t.Fatal(err)
				}
			}
			p.Close()
			if c == prevayler.JSON {
				b, _ := os.ReadFile(path)
				if !strings.Contains(string(b), `"Owner":"ann"`) {
					t.Fatal("the JSON journal does not hold JSON")
				}
			}
			other := prevayler.JSON
			if c == prevayler.JSON {
				other = prevayler.Gob
			}
			if _, err := open(other); err == nil || !strings.Contains(err.Error(), "codec") {
				t.Fatalf("opening with another codec: %v", err)
			}
			p, err = open(c)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if got := p.State(); got["ann"].Balance != 20 || got["bob"].Balance != 25 {
				t.Fatalf("recovered %v", got)
			}
		})
	}
}
