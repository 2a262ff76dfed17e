// Package radixbank is a second immutable state for the bank workload: the
// same accounts, events and receipts as examples/bank/model, kept in a
// persistent radix tree of fan-out 32 (like a Clojure vector) whose leaves
// are nodes of the same type as the interior ones.
//
// examples/bank/model is a persistent tree too (it used to copy a flat
// index of chunks per event, which this package was written to replace);
// it differs in its shape: fan-out 16, and leaves that are plain arrays
// of balances, holding no pointer, so that the garbage collector neither
// scans them nor runs write barriers when they are copied. Both copy only
// the paths to the accounts an event changes; the benchmark runs both to
// show what those choices cost.
//
// Files: bank.go (the tree and the handler).
package radixbank
