//go:build unix

package credential_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"takumi/internal/credential"
)

// The benchmarks report, besides wall time (ns/op), the CPU time the test
// process spent per operation (cpu-ns/op: user + system time of every
// thread, so garbage collection on other cores counts too) from getrusage.
// The issue's targets are CPU targets; on a busy machine wall time also
// includes waiting for a core. Figures: README.md and docs/performance.md.

// processCPU is the CPU time the process has used so far.
func processCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter adds up the process CPU of the measured part of a benchmark.
type cpuMeter struct {
	start, total time.Duration
}

func (m *cpuMeter) resume(tb testing.TB) { m.start = processCPU(tb) }
func (m *cpuMeter) pause(tb testing.TB)  { m.total += processCPU(tb) - m.start }

// report pauses the meter and reports its total per operation.
func (m *cpuMeter) report(b *testing.B) {
	m.pause(b)
	b.ReportMetric(float64(m.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkSign: the proof alone (two RDFC-1.0 canonicalisations, SHA-256,
// Ed25519) over one credential.
func BenchmarkSign(b *testing.B) {
	doc, err := credential.BuildOpenBadge(credsignInput())
	if err != nil {
		b.Fatal(err)
	}
	_, priv := credsignKey(1)
	created := time.Date(2026, 4, 1, 9, 30, 5, 0, time.UTC)
	b.ReportAllocs()
	var cpu cpuMeter
	cpu.resume(b)
	for b.Loop() {
		if _, err := credential.Sign(doc, priv, credsignVM, created); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkIssue is the CPU work of issuing one credential, as
// Service.issue does it between the database statements: a fresh id and
// identity-hash salt, BuildOpenBadge, Sign and the JSON that is stored.
// BenchmarkIssueForEnrolment measures the whole issue with the database.
func BenchmarkIssue(b *testing.B) {
	in := credsignInput()
	_, priv := credsignKey(1)
	created := time.Date(2026, 4, 1, 9, 30, 5, 0, time.UTC)
	b.ReportAllocs()
	var cpu cpuMeter
	cpu.resume(b)
	for b.Loop() {
		var salt [16]byte
		if _, err := rand.Read(salt[:]); err != nil {
			b.Fatal(err)
		}
		in.ID, in.RecipientSalt = "urn:uuid:"+uuid.NewString(), hex.EncodeToString(salt[:])
		doc, err := credential.BuildOpenBadge(in)
		if err != nil {
			b.Fatal(err)
		}
		signed, err := credential.Sign(doc, priv, credsignVM, created)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(signed); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkVerifyProof: the proof alone, key known. BenchmarkVerify and
// BenchmarkVerifyStored measure the whole report with the database.
func BenchmarkVerifyProof(b *testing.B) {
	signed := credsignSigned(b)
	pub, _ := credsignKey(1)
	resolve := credsignResolver(pub)
	b.ReportAllocs()
	var cpu cpuMeter
	cpu.resume(b)
	for b.Loop() {
		if err := credential.VerifyProof(signed, resolve); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}
