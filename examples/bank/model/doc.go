// Package model is the business logic of the bank example: a pure handler
// over an immutable state, the shape every prevalent application has.
//
// # Why a tree
//
// A prevalent system publishes each state it computes, and readers keep
// using the one they took while the next event is applied, so a handler
// never modifies the state it is given: it returns a new one. Copying the
// whole bank per event would cost as much as the bank is large; copying a
// flat index of its pieces still does (an index of 10,000 accounts in
// chunks of 64 is 157 slice headers to copy per transfer, a million
// accounts 15,625), and replay, which applies every journaled event in
// turn, pays it once per event.
//
// So the balances are kept in a persistent tree (a radix tree, like the
// vectors of Clojure or Scala): a Leaf holds Fanout balances, a Node holds
// Fanout children, and an event copies only the path it touches, the
// nodes from the root down to the leaf of each account it changes. Every
// other node and leaf is shared between the old state and the new. A
// transfer between two of 10,000 accounts (three levels of nodes) copies
// at most five small nodes and two leaves, about 1 KiB; the cost grows
// with the logarithm of the number of accounts (a million add one level
// of nodes), not with the number itself.
//
// Leaves are plain arrays of balances with no pointers, so copying one is
// a memory copy the garbage collector never has to scan, and each copied
// node is a single allocation holding its array of children. What is
// allocated per event is what the collector has to reclaim, and at replay
// speed that is most of the cost.
//
// # Layout
//
// Account id lives in leaf id/Fanout at index id%Fanout. Reading the
// account number in base Fanout, from the most significant digit, gives
// the path: one digit per level of nodes chooses the child, the last
// digit the balance in the leaf. Bank.Height is the number of levels of
// nodes (1: the root's children are the leaves), so Height levels hold
// up to Fanout^(Height+1) accounts; opening the account after that adds a
// root above the old one. Accounts are only ever appended, so every
// Kids and Leaves slice is full except along the path to the last
// account, and none holds a nil.
//
// The exported fields are there for the codec: the default gob codec
// encodes the tree as it is, and decodes it to an equal tree.
//
// # Snapshots
//
// As one gob value, the tree would be one message that gob builds and
// reads back whole, several times the bank's size in memory. Bank
// implements the prevalent system's ChunkEncoder and ChunkDecoder
// instead: a snapshot is a header and runs of leaves of a mebibyte each,
// and the nodes are rebuilt on reading, as New builds them. A state of
// your own reached through pointers can do the same; a plain struct
// holding a large slice or map needs nothing, the library cuts it itself.
//
// # Files
//
//	model.go   Bank, Transfer, Receipt, errors, Handle (transfers only, as the benchmarks use it)
//	tree.go    the persistent tree: lookups and copy-on-write updates
//	chunks.go  EncodeChunks and DecodeChunks: the snapshot in runs of leaves
//	events.go  Event, Apply (every event), Deposit, OpenAccount, as the HTTP service and the Lambda example use them
package model
