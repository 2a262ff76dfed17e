// Package faultstore wraps a store.Store to inject faults: before each
// operation (Lock, List, Open, Create, Write, Sync, Rename, Remove, Close
// and Writer.Close) it calls a hook, and if the hook returns an error the
// operation is not performed and fails with that error, wrapped.
//
// The usual test enumerates every point of failure of a workload:
//
//	var rec faultstore.Recorder
//	workload(faultstore.New(memstore.New(), rec.Hook))
//	for n := 1; n <= rec.Len(); n++ {
//		mem := memstore.New()
//		err := workload(faultstore.New(mem, faultstore.FailAt(n, faultstore.ErrInjected)))
//		// check err, then recover from mem.Reopen() and check nothing
//		// acknowledged was lost
//	}
//
// A hook error matching ErrPartial on a Write tears it: half the buffer
// reaches the wrapped store. Pair faultstore with memstore.Crash to model a
// power loss right after the failure.
package faultstore
