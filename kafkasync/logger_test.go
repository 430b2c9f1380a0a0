package kafkasync

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// kafka-go's reports of reads that timed out — an idle long poll — are
// debug lines; the rest stay warnings.
func TestErrorLoggerLevels(t *testing.T) {
	tests := []struct {
		format string
		args   []any
		level  zapcore.Level
	}{
		{"the kafka reader got an unknown error reading partition %d of %s at offset %d: %v", []any{3, "articles-sync", 0,
			"read tcp 127.0.0.1:46330->127.0.0.1:34939: i/o timeout"}, zapcore.DebugLevel},
		{"fetch: %v", []any{"context deadline exceeded"}, zapcore.DebugLevel},
		{"Unable to establish connection to consumer group coordinator for group %s: %v", []any{"g", "[15] Group Coordinator Not Available"}, zapcore.WarnLevel},
		{"dial tcp %s: connection refused", []any{"127.0.0.1:9092"}, zapcore.WarnLevel},
	}
	for _, tt := range tests {
		core, logs := observer.New(zapcore.DebugLevel)
		errorLogger(options{log: zap.New(core)}, "kafkasync.reader").Printf(tt.format, tt.args...)
		if logs.Len() != 1 || logs.All()[0].Level != tt.level {
			t.Errorf("%q: logged %v, want one %s line", tt.format, logs.All(), tt.level)
		}
	}
}
