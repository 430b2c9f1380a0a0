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
	return Start(t, args, env...).Wait()
}

// Running is the program started by Start.
type Running struct {
	t              testing.TB
	cmd            *exec.Cmd
	dir            string
	stdout, stderr bytes.Buffer
}

// Start starts the program of the test binary (see TestMain) as Run does,
// without waiting for it; the test waits with Wait, after a Signal if the
// program would run on.
func Start(t testing.TB, args []string, env ...string) *Running {
	t.Helper()
	r := &Running{t: t, dir: t.TempDir()}
	r.cmd = exec.Command(os.Args[0], args...)
	r.cmd.Dir = r.dir
	r.cmd.Env = append(append(os.Environ(), runMainEnv+"=1"), env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

// Signal sends sig to the program.
func (r *Running) Signal(sig os.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
}

// Wait waits for the program to exit.
func (r *Running) Wait() Ran {
	r.t.Helper()
	ran := Ran{Dir: r.dir}
	err := r.cmd.Wait()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		ran.Exit = exit.ExitCode()
	} else if err != nil {
		r.t.Fatal(err)
	}
	ran.Stdout, ran.Stderr = r.stdout.String(), r.stderr.String()
	return ran
}
