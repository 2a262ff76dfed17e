package store

import "strings"

// ValidName reports whether name is one of the four kinds of journal file
// names: Journal, Backup, an archive or a temporary file, whose variable
// part is not empty and holds no path separator or NUL. Stores refuse
// other names, so that every file they create is visible to List and no
// name escapes the journal's directory or key prefix.
func ValidName(name string) bool {
	var tail string
	switch {
	case name == Journal, name == Backup:
		return true
	case strings.HasPrefix(name, ArchivePrefix):
		tail = name[len(ArchivePrefix):]
	case strings.HasPrefix(name, TempPrefix):
		tail = name[len(TempPrefix):]
	default:
		return false
	}
	return tail != "" && !strings.ContainsAny(tail, `/\`+"\x00")
}
