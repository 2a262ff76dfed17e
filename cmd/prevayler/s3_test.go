package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestS3RoundTrip copies a local journal with its archives to S3 and back,
// checks both copies on the way, and recovers the state from each.
func TestS3RoundTrip(t *testing.T) {
	local, back, remote := journalPath(t), journalPath(t), s3URL(t)
	writeJournal(t, local, 30, journalOptions{})
	want := writeJournal(t, local, 20, journalOptions{snapshot: true})

	r := runCmd(t, "copy", "--archives", local, remote)
	if r.code != exitOK || !strings.Contains(r.stdout, "copied 2 archives") {
		t.Fatalf("local to S3: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := runCmd(t, "verify", "--all", remote); r.code != exitOK || strings.Count(r.stdout, "ok ") != 3 {
		t.Errorf("verify on S3: exit %d, stdout %q; want 3 files ok", r.code, r.stdout)
	}
	r = runCmd(t, "inspect", remote)
	if r.code != exitOK {
		t.Fatalf("inspect on S3: exit %d", r.code)
	}
	if got := field(t, r.stdout, "events"); !strings.HasPrefix(got, "0 ") {
		t.Errorf("events on S3: %q, want 0 (the snapshot holds them all)", got)
	}
	if got := field(t, r.stdout, "archives"); !strings.HasPrefix(got, "2, ") {
		t.Errorf("archives on S3: %q, want 2", got)
	}
	if !regexp.MustCompile(`(?m)^journal:\s+s3://[^?]+/journal$`).MatchString(r.stdout) {
		t.Errorf("the S3 journal is not named by bucket and key:\n%s", r.stdout)
	}

	if r := runCmd(t, "copy", "--archives", remote, local); r.code != exitFail {
		t.Errorf("copy onto a journal without --force: exit %d, want %d", r.code, exitFail)
	}
	if r := runCmd(t, "copy", "--archives", remote, back); r.code != exitOK {
		t.Fatalf("S3 to local: exit %d", r.code)
	}
	if n := len(archives(t, back)); n != 2 {
		t.Errorf("%d archives back home, want 2", n)
	}
	if got := recoverJournal(t, back, nil); got != want {
		t.Errorf("recovered %+v from the round trip, want %+v", got, want)
	}
	if got := recoverJournal(t, remote, nil); got != want {
		t.Errorf("recovered %+v from S3, want %+v", got, want)
	}
}

func TestS3Prune(t *testing.T) {
	remote := s3URL(t)
	var want tally
	for range 4 {
		want = writeJournal(t, remote, 3, journalOptions{})
	}
	r := runCmd(t, "prune", remote, "--keep", "1")
	if r.code != exitOK || !strings.Contains(r.stdout, "removed 2 of 3 archives") {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	r = runCmd(t, "inspect", remote)
	if got := field(t, r.stdout, "archives"); !strings.HasPrefix(got, "1, ") {
		t.Errorf("archives after pruning: %q, want 1", got)
	}
	if got := recoverJournal(t, remote, nil); got != want {
		t.Errorf("recovered %+v after pruning, want %+v", got, want)
	}
}
