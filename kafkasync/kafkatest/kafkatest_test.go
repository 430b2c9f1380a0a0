package kafkatest_test

import (
	"github.com/articlekit/articlekit/kafkasync/kafkatest"
	"testing"
	"time"
)

func TestStartRestart(t *testing.T) {
	start := time.Now()
	b := kafkatest.Require(t)
	t.Log("started in", time.Since(start), b.Addr())
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Log("restarted in", time.Since(start))
}
