package kafkasync_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/articlekit/articlekit/articles"
	"github.com/articlekit/articlekit/kafkasync"
)

func TestEncodeDecode(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 456789000, time.UTC)
	a := articles.Article{ID: 7, Title: "T", Content: "C", Author: "A", Tags: []string{"x"}, CreatedAt: at, UpdatedAt: at, Version: 3}
	payload, _ := json.Marshal(a)
	msg, err := kafkasync.Encode("urn:test", articles.Event{ID: "ev-1", ArticleID: 7, Version: 3, Type: articles.Updated, Payload: payload, CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if string(msg.Key) != "7" || len(msg.Headers) != 1 || string(msg.Headers[0].Value) != "application/cloudevents+json" {
		t.Fatalf("message key %q headers %v", msg.Key, msg.Headers)
	}
	var ce map[string]any
	_ = json.Unmarshal(msg.Value, &ce)
	for field, want := range map[string]any{"specversion": "1.0", "id": "ev-1", "source": "urn:test", "type": "article.updated",
		"subject": "7", "time": "2026-11-26T01:02:03.456789Z", "datacontenttype": "application/json"} {
		if ce[field] != want {
			t.Errorf("%s = %v, want %v", field, ce[field], want)
		}
	}
	d, err := kafkasync.Decode(msg)
	if err != nil || d.ID != "ev-1" || !d.Time.Equal(at) || d.Change.Type != articles.Updated ||
		d.Change.Article.Version != 3 || d.Change.Article.Title != "T" || !d.Change.Article.UpdatedAt.Equal(at) {
		t.Fatalf("Decode = %+v, %v", d, err)
	}
}

// Messages that once crashed the SDK's parser, or lie about their key or
// format, are bad events, not panics.
func TestDecodeRefusesHostileMessages(t *testing.T) {
	payload, _ := json.Marshal(articles.Article{ID: 5, Title: "t", Version: 1})
	good, _ := kafkasync.Encode("urn:t", articles.Event{ID: "1", ArticleID: 5, Version: 1, Type: articles.Created,
		Payload: payload, CreatedAt: time.Now()})
	for name, msg := range map[string]kafka.Message{
		"v0.3 crash": {Value: []byte(`{"datacontentencoding":"","specversion":"0.3","id":"x","source":"s","type":"article.created"}`)},
		"wrong key":  {Key: []byte("6"), Value: good.Value},
		"wrong content type": {Key: good.Key, Value: good.Value,
			Headers: []kafka.Header{{Key: "content-type", Value: []byte("application/avro")}}},
	} {
		if _, err := kafkasync.Decode(msg); !errors.Is(err, kafkasync.ErrBadEvent) {
			t.Errorf("%s: Decode = %v, want ErrBadEvent", name, err)
		}
	}
	if _, err := kafkasync.Decode(good); err != nil {
		t.Fatalf("the good event: %v", err)
	}
}

// No message may crash Decode; what it does not reject is an article
// change whose id is the subject.
func FuzzDecode(f *testing.F) {
	payload, _ := json.Marshal(articles.Article{ID: 5, Title: "t", Version: 1})
	good, _ := kafkasync.Encode("urn:fuzz", articles.Event{ID: "1", ArticleID: 5, Version: 1, Type: articles.Created,
		Payload: payload, CreatedAt: time.Now()})
	f.Add(good.Value)
	f.Add([]byte(`{"specversion":"1.0","id":"x","source":"s","type":"article.deleted","subject":"1","data":{"id":1,"version":2}}`))
	f.Add([]byte(`{"specversion":"0.3","id":"x","source":"s","type":"article.created","data_base64":"e30="}`))
	f.Add([]byte(`{"specversion":"1.0","id":"x","source":"s","type":"article.created","subject":"1","data":"not an object"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"datacontentencoding":"","specversion":"0.3","id":"x","source":"s","type":"article.created"}`))
	f.Fuzz(func(t *testing.T, value []byte) {
		d, err := kafkasync.Decode(kafka.Message{Value: value})
		if err != nil {
			if !errors.Is(err, kafkasync.ErrBadEvent) {
				t.Fatalf("Decode error %v is not ErrBadEvent", err)
			}
			return
		}
		if !d.Change.Type.Valid() || d.ID == "" {
			t.Fatalf("Decode accepted %q as %+v", value, d)
		}
	})
}
