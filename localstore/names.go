package localstore

import (
	"strings"

	"github.com/prevayler-go/prevayler/store"
)

// validName reports whether name is one of the four kinds of journal file
// names. Refusing anything else keeps every file the Store creates visible
// to List, and keeps names from escaping the journal's directory or
// colliding with the lock file.
func validName(name string) bool {
	var suffix string
	switch {
	case name == store.Journal, name == store.Backup:
		return true
	case strings.HasPrefix(name, store.ArchivePrefix):
		suffix = name[len(store.ArchivePrefix):]
	case strings.HasPrefix(name, store.TempPrefix):
		suffix = name[len(store.TempPrefix):]
	default:
		return false
	}
	return suffix != "" && !strings.ContainsAny(suffix, `/\`+"\x00")
}
