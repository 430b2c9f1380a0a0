//go:build !linux

package main

import "errors"

func pinProcess(...int) error { return errors.New("pinning to CPUs needs Linux") }

func pinPID(int, int) error { return errors.New("pinning to CPUs needs Linux") }

func allowedCPUs() ([]int, error) { return nil, errors.New("pinning to CPUs needs Linux") }
