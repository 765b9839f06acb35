package logs

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/corpus"
)

func loghubContents(b *testing.B) []string {
	b.Helper()
	dir, err := corpus.Path("data", "loghub", "loghub-2k")
	if err != nil {
		b.Skipf("Loghub samples not found: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*_2k.log_structured.csv"))
	if len(files) == 0 {
		b.Skip("Loghub samples not found at " + dir)
	}
	var out []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
		col := 0
		for i, h := range recs[0] {
			if h == "Content" {
				col = i
			}
		}
		for _, r := range recs[1:] {
			out = append(out, r[col])
		}
	}
	return out
}

// BenchmarkParserLoghub mines the Loghub 2k samples replicated: one op is one line.
func BenchmarkParserLoghub(b *testing.B) {
	lines := loghubContents(b)
	p, err := NewParser(Config{}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Add(lines[i%len(lines)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkParserManyTemplates mines a stream of 100k distinct templates against the
// default cap, so most lines create or evict: the worst case for the state bound.
func BenchmarkParserManyTemplates(b *testing.B) {
	lines := make([]string, 1<<16)
	for i := range lines {
		lines[i] = Synthetic(i*7919, 100000)
	}
	p, err := NewParser(Config{}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Add(lines[i&(len(lines)-1)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(p.Len()), "templates")
}
