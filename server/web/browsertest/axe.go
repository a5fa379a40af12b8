package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored unmodified (testdata/axe-core/VERSION and
// LICENSE).
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// AxeTags are the rule tags RunAxe checks: WCAG 2.0, 2.1 and 2.2, levels A
// and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// AxeViolation is one rule axe-core found broken on the page.
type AxeViolation struct {
	ID          string    `json:"id"`
	Impact      string    `json:"impact"`
	Description string    `json:"description"`
	HelpURL     string    `json:"helpUrl"`
	Nodes       []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	Target  []any  `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"failureSummary"`
}

// Axe runs axe-core on the current page (injecting it unless the page
// already has it) against AxeTags and returns every violation.
func Axe(ctx context.Context) ([]AxeViolation, error) {
	if err := bypassCSP(ctx); err != nil {
		return nil, fmt.Errorf("axe: %w", err)
	}
	has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		return nil, fmt.Errorf("axe: %w", err)
	}
	if !has {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return nil, fmt.Errorf("axe: inject axe-core: %w", err)
		}
	}
	tags, _ := json.Marshal(AxeTags)
	js := fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, tags)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe: run: %w", err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("axe: decode results: %w", err)
	}
	return vs, nil
}

// RunAxe runs axe-core on the current page and fails the test on any
// serious or critical violation of WCAG 2.x A or AA, listing each with the
// elements concerned. Minor and moderate ones are logged. It returns all
// violations found.
func RunAxe(t testing.TB, ctx context.Context) []AxeViolation {
	t.Helper()
	vs, err := Axe(ctx)
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	var bad []string
	for _, v := range vs {
		line := describeViolation(v)
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, line)
		} else {
			t.Logf("axe (%s) on %s: %s", v.Impact, loc, line)
		}
	}
	if len(bad) > 0 {
		t.Errorf("axe found %d serious or critical WCAG violations on %s:\n%s", len(bad), loc, strings.Join(bad, "\n"))
	}
	return vs
}

func describeViolation(v AxeViolation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  [%s] %s: %s (%s)", v.Impact, v.ID, v.Description, v.HelpURL)
	for i, n := range v.Nodes {
		if i == 5 {
			fmt.Fprintf(&b, "\n      … and %d more", len(v.Nodes)-5)
			break
		}
		fmt.Fprintf(&b, "\n      %v %s", n.Target, n.HTML)
	}
	return b.String()
}
