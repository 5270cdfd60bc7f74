package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuUse is CPU time spent during a phase: by the service, by the bench
// itself (the clients), and by everything else on the machine (PostgreSQL,
// mostly). It tells where a phase's cost goes, which throughput alone does not.
type cpuUse struct {
	Service, Client, Other time.Duration
	Measured               bool // the service is the bench's child, so its own time is known
}

func (c cpuUse) add(d cpuUse) cpuUse {
	return cpuUse{c.Service + d.Service, c.Client + d.Client, c.Other + d.Other, c.Measured || d.Measured}
}

// perOp prints the use per operation, in microseconds.
func (c cpuUse) perOp(n int) string {
	if n == 0 || c.Client+c.Other+c.Service == 0 {
		return ""
	}
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	if !c.Measured {
		// A service the bench did not start is part of the rest.
		return fmt.Sprintf("client %.0f, service, database and rest %.0f", us(c.Client), us(c.Other))
	}
	return fmt.Sprintf("service %.0f, client %.0f, database and rest %.0f", us(c.Service), us(c.Client), us(c.Other))
}

// cpuMeter reads CPU clocks from /proc (Linux); elsewhere it reads zeros.
type cpuMeter struct{ servicePID int }

// cpuSample is one reading of the three clocks.
type cpuSample struct{ service, client, total time.Duration }

func (m cpuMeter) sample() cpuSample {
	s := cpuSample{client: procCPU("self")}
	if m.servicePID > 0 {
		s.service = procCPU(strconv.Itoa(m.servicePID))
	}
	s.total = machineCPU()
	return s
}

func (m cpuMeter) since(a cpuSample) cpuUse {
	b := m.sample()
	u := cpuUse{Service: b.service - a.service, Client: b.client - a.client, Measured: m.servicePID > 0}
	if other := (b.total - a.total) - u.Service - u.Client; other > 0 {
		u.Other = other
	}
	return u
}

// clockTick is USER_HZ, 100 on every Linux this runs on.
const clockTick = 10 * time.Millisecond

// procCPU is a process's user and system time from /proc/PID/stat.
func procCPU(pid string) time.Duration {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

// machineCPU is the busy time of all CPUs from /proc/stat.
func machineCPU() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * clockTick
}
