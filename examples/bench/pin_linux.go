package main

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// pinProcess runs this process on the given CPUs only. sched_setaffinity
// sets one thread; a new thread inherits its creator's mask, so setting
// every thread there is (twice, for threads started meanwhile) moves the
// whole process.
func pinProcess(cpus ...int) error {
	set := cpuSet(cpus)
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, set); err != nil && !errors.Is(err, unix.ESRCH) {
				return err
			}
		}
	}
	return nil
}

// pinPID runs the single-threaded process pid on cpu.
func pinPID(pid, cpu int) error { return unix.SchedSetaffinity(pid, cpuSet([]int{cpu})) }

func cpuSet(cpus []int) *unix.CPUSet {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return &set
}

// allowedCPUs lists the CPUs this process may run on.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for c := 0; c < len(set)*64; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}
