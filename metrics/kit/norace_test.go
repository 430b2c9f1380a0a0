//go:build !race

package kit_test

// raceEnabled: built with -race.
const raceEnabled = false
