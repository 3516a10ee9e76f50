package web_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeResultsEnv names the file the axe checks append one JSON line per page
// to (`make accessibility` sets it and turns the lines into the published
// results, static/accessibility/results.json).
const axeResultsEnv = "TAKUMI_AXE_RESULTS"

var axeRecordMu sync.Mutex

// axeRecord is one page checked by axe-core.
type axeRecord struct {
	Page       string    `json:"page"`
	Path       string    `json:"path"`
	Lang       string    `json:"lang"`
	Test       string    `json:"test"`
	Violations []string  `json:"violations"` // rule ids
	At         time.Time `json:"at"`
}

// recordAxe appends the result of one axe check when axeResultsEnv is set.
func recordAxe(t *testing.T, ctx context.Context, pageName string, vs []axeViolation) {
	t.Helper()
	file := os.Getenv(axeResultsEnv)
	if file == "" {
		return
	}
	info, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([location.pathname, document.documentElement.lang])`))
	if err != nil {
		t.Logf("axe record: %v", err)
		return
	}
	var pl [2]string
	_ = json.Unmarshal([]byte(info), &pl)
	rec := axeRecord{Page: pageName, Path: pl[0], Lang: pl[1], Test: t.Name(), Violations: []string{}, At: time.Now().UTC()}
	for _, v := range vs {
		rec.Violations = append(rec.Violations, v.ID)
	}
	line, _ := json.Marshal(rec)
	axeRecordMu.Lock()
	defer axeRecordMu.Unlock()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("axe record: %v", err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		t.Fatalf("axe record: %v", err)
	}
}
