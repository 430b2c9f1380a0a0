package kafkasync

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"
)

// Dead-letter headers, added to the original message's.
const (
	HeaderError             = "articlekit-error"
	HeaderOriginalTopic     = "articlekit-original-topic"
	HeaderOriginalPartition = "articlekit-original-partition"
	HeaderOriginalOffset    = "articlekit-original-offset"
	HeaderFailedAt          = "articlekit-failed-at"
	// HeaderValueDropped marks a dead letter sent without its value, which
	// was too large for the brokers.
	HeaderValueDropped = "articlekit-value-dropped"
)

// maxErrorHeader bounds the error header: a message must not be able to
// make its own dead letter too large to write.
const maxErrorHeader = 1024

// deadLetterOf is the dead letter of m on topic: m's key, value and headers,
// with why it failed and when, and, for a message that came from a topic
// (not the relay's unpublishable outbox events), where it came from.
func deadLetterOf(topic string, m kafka.Message, cause error, at time.Time) kafka.Message {
	headers := append([]kafka.Header(nil), m.Headers...)
	headers = append(headers, kafka.Header{Key: HeaderError, Value: []byte(clip(cause.Error(), maxErrorHeader))})
	if m.Topic != "" {
		headers = append(headers,
			kafka.Header{Key: HeaderOriginalTopic, Value: []byte(m.Topic)},
			kafka.Header{Key: HeaderOriginalPartition, Value: []byte(strconv.Itoa(m.Partition))},
			kafka.Header{Key: HeaderOriginalOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
		)
	}
	headers = append(headers, kafka.Header{Key: HeaderFailedAt, Value: []byte(at.UTC().Format(time.RFC3339Nano))})
	return kafka.Message{Topic: topic, Key: m.Key, Value: m.Value, Headers: headers}
}

// clip cuts s to at most n bytes, on a character boundary, marking the cut
// with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
