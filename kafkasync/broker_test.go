package kafkasync_test

import (
	"testing"

	"github.com/articlekit/articlekit/kafkasync/devbroker"
)

type broker struct{ dev *devbroker.Broker }

func (b *broker) addrs() []string { return b.dev.Addrs() }

func startBroker(t *testing.T) *broker {
	t.Helper()
	b, err := devbroker.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return &broker{dev: b}
}
