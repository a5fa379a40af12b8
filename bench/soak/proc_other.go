//go:build !linux

package main

import (
	"os/exec"
	"time"
)

// setDeathSignal does nothing where the kernel cannot tie the server's life
// to the soak's; the soak still stops the server when it ends normally.
func setDeathSignal(*exec.Cmd) {}

// processRSS is unknown outside Linux (no /proc/<pid>/status).
func processRSS(int) (int64, bool) { return 0, false }

// processCPU is unknown outside Linux.
func processCPU(int) (time.Duration, bool) { return 0, false }

// selfCPU is unknown outside Linux.
func selfCPU() time.Duration { return 0 }

// machineCPU is unknown outside Linux.
func machineCPU() (busy, total time.Duration, ok bool) { return 0, 0, false }

// currentRSS is unknown outside Linux.
func currentRSS(int) (int64, bool) { return 0, false }
