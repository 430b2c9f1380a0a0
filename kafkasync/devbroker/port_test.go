package devbroker_test

import (
	"net"
	"strconv"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap/zaptest"

	"github.com/articlekit/articlekit/kafkasync"
	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

// Module's broker listens where Kafka tools look, 127.0.0.1:9092, and on
// another port when that one is taken.
func TestModulePort(t *testing.T) {
	moduleBrokers := func() kafkasync.Brokers {
		var got kafkasync.Brokers
		app := fxtest.New(t, fx.Supply(zaptest.NewLogger(t), kafkasync.Config{}), devbroker.Module, fx.Populate(&got))
		app.RequireStart().RequireStop()
		return got
	}
	want := "127.0.0.1:" + strconv.Itoa(devbroker.DefaultPort)
	taken, err := net.Listen("tcp", want)
	if err != nil {
		t.Skipf("%s is in use on this machine: only the fallback can be checked", want)
	}
	if got := moduleBrokers(); len(got) != 1 || got[0] == want {
		t.Fatalf("with %s taken, Brokers = %v, want another port", want, got)
	}
	taken.Close()
	if got := moduleBrokers(); len(got) != 1 || got[0] != want {
		t.Fatalf("with %s free, Brokers = %v", want, got)
	}
}
