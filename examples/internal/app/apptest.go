package app

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"testing"
)

// runMainEnv makes a program's test binary run the program (see TestMain).
const runMainEnv = "ARTICLEKIT_TEST_RUN_MAIN"

// TestMain runs main instead of the tests when the test binary was started
// by Run, so that tests can run the real program in a process of its own.
func TestMain(m *testing.M, main func()) {
	if os.Getenv(runMainEnv) != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Ran is a finished run of the program.
type Ran struct {
	Exit           int
	Stdout, Stderr string
	Dir            string // the working directory it ran in
}

// Run runs the program of the test binary (see TestMain) with args and the
// extra environment, in a new temporary directory, and waits for it.
func Run(t testing.TB, args []string, env ...string) Ran {
	t.Helper()
	r := Ran{Dir: t.TempDir()}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = r.Dir
	cmd.Env = append(append(os.Environ(), runMainEnv+"=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		r.Exit = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	return r
}
