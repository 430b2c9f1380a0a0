// Package kafkatest runs a real Apache Kafka broker (KRaft, one node on
// 127.0.0.1) from its jars, for integration tests and benchmarks that must
// stop and restart it. Get the jars with Maven, as .ci/run does:
//
//	mvn dependency:copy-dependencies -f .ci/kafka/pom.xml -DoutputDirectory=/opt/kafka/libs
//	export ARTICLEKIT_TEST_KAFKA_LIBS=/opt/kafka/libs
//
// and Java 17 or later on PATH.
package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// LibsEnv names the directory of the broker's jars.
const LibsEnv = "ARTICLEKIT_TEST_KAFKA_LIBS"

// Broker is a Kafka broker process.
type Broker struct {
	libs, dir      string
	port, ctrlPort int
	cmd            *exec.Cmd
	exited         chan struct{}
}

// Require starts a broker for t, stopped when t ends. It skips t when
// LibsEnv is unset — and fails it under CI=true, where a skipped
// integration test must not pass.
func Require(t testing.TB) *Broker {
	t.Helper()
	libs := os.Getenv(LibsEnv)
	if libs == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must provide Kafka's jars", LibsEnv)
		}
		t.Skipf("%s is not set: no real Kafka broker to test against (see package kafkatest)", LibsEnv)
	}
	b, err := Start(libs, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Stop() })
	return b
}

// Start formats a new KRaft log directory under dir and starts a broker on
// free ports of 127.0.0.1, returning once it answers.
func Start(libs, dir string) (*Broker, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return nil, fmt.Errorf("kafkatest: %w", err)
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	b := &Broker{libs: libs, dir: dir, port: ports[0], ctrlPort: ports[1]}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(b.path("server.properties"), []byte(b.properties()), 0o644); err != nil {
		return nil, err
	}
	// A cluster id is 16 random bytes in URL-safe base64; not starting with
	// "-", which the tool would take for an option.
	var clusterID string
	for clusterID == "" || clusterID[0] == '-' {
		var id [16]byte
		_, _ = rand.Read(id[:])
		clusterID = base64.RawURLEncoding.EncodeToString(id[:])
	}
	format := b.java("kafka.tools.StorageTool", "format", "-t", clusterID, "-c", b.path("server.properties"))
	if out, err := format.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("kafkatest: format storage: %w\n%s", err, out)
	}
	return b, b.Restart()
}

// Addr is the broker's bootstrap address.
func (b *Broker) Addr() string { return fmt.Sprintf("127.0.0.1:%d", b.port) }

// Restart starts the broker (again), on the same ports and data, and waits
// until it answers.
func (b *Broker) Restart() error {
	logf, err := os.OpenFile(b.path("broker.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	b.cmd = b.java("kafka.Kafka", b.path("server.properties"))
	b.cmd.Stdout, b.cmd.Stderr = logf, logf
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("kafkatest: start broker: %w", err)
	}
	b.exited = make(chan struct{})
	go func() { _ = b.cmd.Wait(); logf.Close(); close(b.exited) }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// A transport of its own: the default one caches metadata, which would
	// answer for a broker that is still starting.
	transport := &kafka.Transport{MetadataTTL: time.Millisecond}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(b.Addr()), Timeout: 2 * time.Second, Transport: transport}
	for {
		md, err := client.Metadata(ctx, &kafka.MetadataRequest{})
		if err == nil && len(md.Brokers) > 0 && md.Controller.ID >= 0 {
			return nil
		}
		select {
		case <-b.exited:
			return fmt.Errorf("kafkatest: broker exited; see %s", b.path("broker.log"))
		case <-ctx.Done():
			_ = b.Stop()
			return fmt.Errorf("kafkatest: broker not ready after 60s: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop kills the broker (SIGKILL: no clean shutdown, as in a crash) and
// waits for it to exit.
func (b *Broker) Stop() error {
	if b.cmd == nil || b.cmd.Process == nil {
		return nil
	}
	select {
	case <-b.exited:
		return nil
	default:
	}
	if err := syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	<-b.exited
	return nil
}

func (b *Broker) java(mainClass string, args ...string) *exec.Cmd {
	cmd := exec.Command("java", append([]string{"-Xms256m", "-Xmx768m", "-XX:+UseG1GC",
		"-Dlog4j2.level=WARN", "-cp", filepath.Join(b.libs, "*"), mainClass}, args...)...)
	cmd.Dir = b.dir
	return cmd
}

func (b *Broker) path(name string) string { return filepath.Join(b.dir, name) }

func (b *Broker) properties() string {
	return strings.Join([]string{
		"process.roles=broker,controller",
		"node.id=1",
		fmt.Sprintf("controller.quorum.voters=1@127.0.0.1:%d", b.ctrlPort),
		fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", b.port, b.ctrlPort),
		fmt.Sprintf("advertised.listeners=PLAINTEXT://127.0.0.1:%d", b.port),
		"controller.listener.names=CONTROLLER",
		"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"log.dirs=" + b.path("data"),
		"offsets.topic.replication.factor=1",
		"offsets.topic.num.partitions=3",
		"transaction.state.log.replication.factor=1",
		"transaction.state.log.min.isr=1",
		"group.initial.rebalance.delay.ms=0",
		"auto.create.topics.enable=false",
		// A killed broker comes back quickly: its old session expires soon.
		"broker.session.timeout.ms=2000",
		"broker.heartbeat.interval.ms=500",
		"num.network.threads=2",
		"num.io.threads=2",
		"",
	}, "\n")
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
