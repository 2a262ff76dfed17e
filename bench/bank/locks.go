package bank

import "sync"

// accountLocks serialises the read-modify-write of a transfer on the two
// accounts it touches, for stores without transactions (pebble) or whose
// transactions would not stop a lost update by themselves. Accounts map to
// stripes; both stripes are taken in order, so transfers never deadlock.
type accountLocks struct {
	stripes [1024]sync.Mutex
}

func (l *accountLocks) lock(a, b int) (unlock func()) {
	i, j := a%len(l.stripes), b%len(l.stripes)
	if i > j {
		i, j = j, i
	}
	l.stripes[i].Lock()
	if j != i {
		l.stripes[j].Lock()
	}
	return func() {
		if j != i {
			l.stripes[j].Unlock()
		}
		l.stripes[i].Unlock()
	}
}
