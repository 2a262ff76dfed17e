package bank

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

const (
	testAccounts = 50
	testInitial  = 1000
)

func openKind(t *testing.T, k Kind, durable bool) System {
	t.Helper()
	s, err := k.Open(context.Background(), Config{Dir: t.TempDir(), Accounts: testAccounts, Initial: testInitial, Durable: durable})
	if err != nil {
		t.Fatalf("open %s: %v", k.Name, err)
	}
	return s
}

func modes(k Kind) []bool {
	var m []bool
	if k.Durable {
		m = append(m, true)
	}
	if k.Buffered {
		m = append(m, false)
	}
	return m
}

// TestTransferSemantics checks, for every system and mode, that a transfer
// moves exactly its amount, that an overdraft is refused with
// ErrInsufficient and changes nothing.
func TestTransferSemantics(t *testing.T) {
	ctx := context.Background()
	for _, k := range Kinds() {
		for _, durable := range modes(k) {
			t.Run(fmt.Sprintf("%s/durable=%v", k.Name, durable), func(t *testing.T) {
				s := openKind(t, k, durable)
				defer s.Close()
				if err := s.Transfer(ctx, 3, 7, 250); err != nil {
					t.Fatal(err)
				}
				err := s.Transfer(ctx, 3, 8, testInitial)
				if !errors.Is(err, ErrInsufficient) {
					t.Fatalf("overdraft: got %v, want ErrInsufficient", err)
				}
				for id, want := range map[int]int64{3: testInitial - 250, 7: testInitial + 250, 8: testInitial} {
					got, err := s.Balance(ctx, id)
					if err != nil || got != want {
						t.Errorf("balance %d = %d, %v; want %d", id, got, err, want)
					}
				}
				total, err := s.Total(ctx)
				if err != nil || total != testAccounts*testInitial {
					t.Errorf("total = %d, %v; want %d", total, err, testAccounts*testInitial)
				}
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
		}
	}
}

// TestConcurrentTotal runs concurrent random transfers on every system and
// checks that the total is unchanged and that every balance read back
// matches a model kept beside it.
func TestConcurrentTotal(t *testing.T) {
	ctx := context.Background()
	const callers, each = 8, 40
	for _, k := range Kinds() {
		for _, durable := range modes(k) {
			t.Run(fmt.Sprintf("%s/durable=%v", k.Name, durable), func(t *testing.T) {
				s := openKind(t, k, durable)
				defer s.Close()
				var mu sync.Mutex
				want := make([]int64, testAccounts)
				for i := range want {
					want[i] = testInitial
				}
				var wg sync.WaitGroup
				for c := 0; c < callers; c++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(1, uint64(c)))
						for i := 0; i < each; i++ {
							from, to := rng.IntN(testAccounts), rng.IntN(testAccounts)
							amount := 1 + rng.Int64N(10)
							if err := s.Transfer(ctx, from, to, amount); err != nil {
								t.Error(err)
								return
							}
							mu.Lock()
							want[from] -= amount
							want[to] += amount
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				total, err := s.Total(ctx)
				if err != nil || total != testAccounts*testInitial {
					t.Fatalf("total = %d, %v; want %d", total, err, testAccounts*testInitial)
				}
				for id, w := range want {
					if got, err := s.Balance(ctx, id); err != nil || got != w {
						t.Fatalf("balance %d = %d, %v; want %d", id, got, err, w)
					}
				}
			})
		}
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, k := range Kinds() {
		if s, err := k.Open(context.Background(), Config{}); err == nil {
			s.Close()
			t.Errorf("%s opened with an empty config", k.Name)
		}
	}
}
