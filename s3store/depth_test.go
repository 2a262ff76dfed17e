package s3store

import "testing"

// TestPipelineDepth: with one upload in flight the writer offers no
// pipeline, so that the prevalent system keeps its own group commit,
// which gathers the callers of one upload into the next (with a pipeline
// it hands each caller's batch on at once, and closed loops of callers
// measured at half the throughput for more PUTs); with more, several
// Syncs per upload.
func TestPipelineDepth(t *testing.T) {
	for _, tc := range []struct{ inflight, want int }{{1, 1}, {2, 9}, {4, 17}} {
		if got := pipelineDepth(tc.inflight); got != tc.want {
			t.Errorf("pipelineDepth(%d) = %d, want %d", tc.inflight, got, tc.want)
		}
	}
}
