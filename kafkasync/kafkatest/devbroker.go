package kafkatest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

// devBrokerEnv marks the test binary DevBrokerProcess starts.
const devBrokerEnv = "ARTICLEKIT_TEST_DEVBROKER_PROCESS"

// DevBrokerMain, in the test binary DevBrokerProcess starts, runs the
// development broker until the test that started it ends, and exits; in
// any other process it returns at once. Call it first in TestMain:
//
//	func TestMain(m *testing.M) {
//		kafkatest.DevBrokerMain()
//		os.Exit(m.Run())
//	}
func DevBrokerMain() {
	if os.Getenv(devBrokerEnv) == "" {
		return
	}
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
		zapcore.Lock(os.Stderr), zap.WarnLevel))
	b, err := devbroker.Start(devbroker.WithLogger(log))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(b.Addrs()[0])
	_, _ = io.Copy(io.Discard, os.Stdin) // until the test closes it, or dies
	b.Close()
	os.Exit(0)
}

// DevBrokerProcess starts a development broker (devbroker.Start) in a
// process of its own — the test binary again, which must call
// DevBrokerMain — so that it outlives the processes a test kills, and
// returns its address. It stops when t ends; what it logged is shown if t
// failed.
func DevBrokerProcess(t testing.TB) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), devBrokerEnv+"=1")
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	// Gone with the test binary, however that ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("the development broker logged:\n%s", stderr.String())
		}
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("kafkatest: the development broker process gave no address (does TestMain call DevBrokerMain?): %v", err)
	}
	return strings.TrimSpace(addr)
}

// lockedBuffer is a bytes.Buffer that a process's output may be written
// to while it is read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
