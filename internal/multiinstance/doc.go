// Package multiinstance holds the test of several Takumi instances behind
// one load balancer (issue 13, part 3; docs/storage.md): two `takumi serve`
// processes on one database and one S3 store, behind a reverse proxy. It
// has no code of its own.
package multiinstance
