package prevayler

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFirstDifference(t *testing.T) {
	type inner struct {
		N    int
		note string
	}
	type state struct {
		Items  []inner
		ByName map[string]*inner
		Any    any
		When   time.Time
		F      float64
	}
	now := time.Now()
	base := func() state {
		return state{
			Items:  []inner{{N: 1}},
			ByName: map[string]*inner{"a": {N: 2}},
			Any:    inner{N: 3},
			When:   now,
			F:      math.NaN(),
		}
	}
	cases := []struct {
		name   string
		change func(*state)
		want   string // "" for none; else a part of the description
	}{
		{"identical", func(*state) {}, ""},
		{"same instant in another location, no monotonic reading", func(s *state) { s.When = now.Round(0).In(time.FixedZone("x", 3600)) }, ""},
		{"nil and empty slice", func(s *state) { s.Items = nil }, "state.Items: 1 elements before, 0 after"},
		{"unexported field", func(s *state) { s.Items[0].note = "x" }, "state.Items[0].note"},
		{"map value behind a pointer", func(s *state) { s.ByName["a"].N = 9 }, "state.ByName[a].N: 2 before, 9 after"},
		{"missing map key", func(s *state) { s.ByName = map[string]*inner{"b": {N: 2}} }, "state.ByName[a]: missing after"},
		{"interface of another type", func(s *state) { s.Any = 3 }, "state.Any: a prevayler.inner before, a int after"},
		{"time", func(s *state) { s.When = now.Add(time.Second) }, "state.When"},
		{"NaN and a number", func(s *state) { s.F = 1 }, "state.F"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := base(), base()
			c.change(&b)
			got := firstDifference(reflect.ValueOf(a), reflect.ValueOf(b))
			if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
				t.Fatalf("firstDifference = %q, want %q", got, c.want)
			}
		})
	}
	// Empty and nil maps and slices are equal: gob sends neither.
	type empties struct {
		S []int
		M map[int]int
	}
	if d := firstDifference(reflect.ValueOf(empties{[]int{}, map[int]int{}}), reflect.ValueOf(empties{})); d != "" {
		t.Fatalf("empty and nil differ: %s", d)
	}
}
