// Command bank is the example application: a bank whose accounts live in
// memory and whose every event is journaled by prevayler, on the local
// store by default or on S3. It runs as an HTTP JSON service, or, with
// -demo, makes transfers, prints the state it recovered and exits:
//
//	go run ./examples/bank -demo                 # run it twice: the second run starts where the first ended
//	go run ./examples/bank                       # HTTP service on 127.0.0.1:8080, journal in ./bank-data
//	go run ./examples/bank -store 's3://BUCKET/bank/journal?region=eu-west-1'
//	go run ./examples/bank -follow bank-data/journal -addr 127.0.0.1:8081   # a read replica
//
// See README.md beside this file for the HTTP API and curl commands.
//
// # Files
//
//	main.go    flags, opening the journal from its URL
//	demo.go    -demo: concurrent transfers, then exit
//	server.go  the HTTP JSON API, /debug/vars, graceful shutdown
//	follow.go  -follow: the read-only API served by a follower, ?seq=N
//	model/     the business logic: state, events, handler
package main
