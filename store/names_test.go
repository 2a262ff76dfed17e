package store

import "testing"

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"":                                   true,
		".backup":                            true,
		".backup-20261127T124133.000000000Z": true,
		".tmp-0a1b":                          true,
		".backup-":                           false,
		".tmp-":                              false,
		".tmp-a/b":                           false,
		".tmp-a\\b":                          false,
		".tmp-a\x00":                         false,
		".lock":                              false,
		"journal":                            false,
		".backupx":                           false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}
