package main

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far the simulation is: a bar on a terminal, a line per
// step otherwise.
type progress interface {
	// step marks a step done: brief describes it on the bar, line on its
	// own line.
	step(brief, line string)
	finish()
}

func newProgress(mode string, w io.Writer, steps int) progress {
	if mode == "auto" {
		mode = "lines"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	switch mode {
	case "bar":
		bar := progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("starting"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowDescriptionAtLineEnd(),
		)
		return &barProgress{bar: bar, w: w}
	case "none":
		return nopProgress{}
	}
	return lineProgress{w: w}
}

type lineProgress struct{ w io.Writer }

func (p lineProgress) step(_, line string) { fmt.Fprintln(p.w, line) }
func (lineProgress) finish()               {}

type barProgress struct {
	bar  *progressbar.ProgressBar
	w    io.Writer
	done bool
}

func (p *barProgress) step(brief, _ string) {
	p.bar.Describe(brief)
	p.bar.Add(1)
}

func (p *barProgress) finish() {
	if p.done {
		return
	}
	p.done = true
	p.bar.Finish()
	fmt.Fprintln(p.w)
}

type nopProgress struct{}

func (nopProgress) step(_, _ string) {}
func (nopProgress) finish()          {}
