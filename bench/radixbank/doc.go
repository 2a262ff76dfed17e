// Package radixbank is a second immutable state for the bank workload: the
// same accounts, events and receipts as examples/bank/model, kept in a
// persistent radix tree (fan-out 32, like a Clojure vector) instead of a
// flat index of chunks.
//
// A transfer in model copies the whole chunk index, one slice header per
// 64 accounts (157 headers, 3.7 KiB, for 10,000 accounts; 375 KiB for a
// million). Here it copies only the nodes on the paths to the two
// accounts: Depth+1 nodes of 32 words each per path, whatever the size of
// the bank. The benchmark runs both to show what the choice of structure
// costs.
//
// Files: bank.go (the tree and the handler).
package radixbank
